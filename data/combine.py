"""Combine corpora under one emotion view, with the duration filter applied from metadata (no decoding)."""

from collections import Counter
from dataclasses import dataclass, field

import datasets

from .labels import corpus_classes, in_view, view_classes
from .waveforms import DECODE_PROBLEM

logger = datasets.logging.get_logger(__name__)

DROPPED_VIEW = "not in view"
DROPPED_DURATION = "outside duration bounds"


@dataclass
class CombineReport:
    """Per corpus and emotion: clips kept and dropped (the counterpart of the paper's Table 2 'Original')."""

    view: str
    classes: tuple[str, ...]
    min_duration: float
    max_duration: float
    kept: dict[str, Counter] = field(default_factory=dict)
    dropped: dict[str, Counter] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        """Kept clips per class over all corpora."""
        total: Counter = Counter()
        for counts in self.kept.values():
            total.update(counts)
        return {name: total[name] for name in self.classes}

    def to_dict(self) -> dict:
        return {
            "view": self.view, "classes": list(self.classes),
            "duration_bounds": [self.min_duration, self.max_duration],
            "kept": {c: dict(sorted(v.items())) for c, v in sorted(self.kept.items())},
            "dropped": {c: {f"{e}|{r}": n for (e, r), n in sorted(v.items())}
                        for c, v in sorted(self.dropped.items())},
            "totals": self.totals(),
        }  # fmt: skip

    def to_markdown(self) -> str:
        """A table of kept clips: corpora as rows, the view's classes as columns, totals last."""
        lines = ["| corpus | " + " | ".join(self.classes) + " | dropped |", "|---" * (len(self.classes) + 2) + "|"]
        for corpus in sorted(self.kept):
            row = [str(self.kept[corpus][name]) for name in self.classes]
            lines.append(f"| {corpus} | " + " | ".join(row) + f" | {sum(self.dropped[corpus].values())} |")
        totals = self.totals()
        dropped = sum(sum(v.values()) for v in self.dropped.values())
        lines.append("| **total** | " + " | ".join(str(totals[n]) for n in self.classes) + f" | {dropped} |")
        return "\n".join(lines)


def combine_corpora(
    corpora: dict[str, datasets.Dataset],
    view: str = "4",
    min_duration: float = 2.0,
    max_duration: float = 13.0,
) -> tuple[datasets.Dataset, CombineReport]:
    """Concatenate corpora (name -> loaded dataset) under `view`, keeping clips within the duration bounds.

    Adds `label` (a `ClassLabel` over the view's classes, IEMOCAP's excited merged into happy in the 4/5 views);
    only the `emotion` and `duration` columns are read to filter, so no audio is decoded. A corpus decoded once
    (`waveforms.decoded_corpus`) also drops the clips that did not decode or hold no signal (reported).
    """
    if not corpora:
        raise ValueError("No corpora to combine.")
    if not 0 <= min_duration < max_duration:
        raise ValueError(f"Duration bounds must satisfy 0 <= min < max, got [{min_duration}, {max_duration}].")
    emotions_of = {name: dataset["emotion"] for name, dataset in corpora.items()}
    classes = view_classes(view, emotions_of)
    report = CombineReport(view, classes, min_duration, max_duration)
    label_feature = datasets.ClassLabel(names=list(classes))
    parts = []
    for name, dataset in corpora.items():
        emotions, durations = emotions_of[name], dataset["duration"]
        own = corpus_classes(name, emotions)
        mapped = [in_view(name, emotion, view, own) for emotion in emotions]
        if not any(mapped):
            raise ValueError(
                f"Corpus {name!r} has no class of the {view}-emotion view {list(classes)}; "
                f"its emotions are {sorted(set(emotions))}."
            )
        problems = dataset[DECODE_PROBLEM] if DECODE_PROBLEM in dataset.column_names else [""] * len(dataset)
        keep, kept, dropped = [], Counter(), Counter()
        for i, (emotion, target, duration) in enumerate(zip(emotions, mapped, durations, strict=True)):
            if problems[i]:
                dropped[(emotion, problems[i].partition(": ")[0])] += 1
            elif target is None:
                dropped[(emotion, DROPPED_VIEW)] += 1
            elif not min_duration <= duration <= max_duration:
                dropped[(emotion, DROPPED_DURATION)] += 1
            else:
                keep.append(i)
                kept[target] += 1
        report.kept[name], report.dropped[name] = kept, dropped
        kept_rows = set(keep)
        labels = [classes.index(target) if i in kept_rows else -1 for i, target in enumerate(mapped)]
        # the label is added before selecting, so a decoded corpus' waveforms are never copied (only indexed)
        part = dataset.add_column("label", labels).cast_column("label", label_feature).select(keep)
        parts.append(part)
        logger.info(
            f"{name}: kept {len(keep)} of {len(dataset)} clips ({dict(kept)}), dropped {sum(dropped.values())}"
        )
    combined = datasets.concatenate_datasets(parts)
    logger.info(f"Combined {len(corpora)} corpora: {len(combined)} clips, {view}-emotion view, {report.totals()}")
    return combined, report
