"""`check-corpora`: find the corpora below a folder, load each, and set what a user's copy yields beside what the
release and the paper's Table 1 say, before any GPU time is spent."""

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .builder import locate_root
from .corpora import BUILDERS

HOUR = 3600.0


@dataclass
class EmotionCount:
    """Clips and hours of one emotion in a copy, the clips the 2-13 s filter keeps, and the reference counts."""

    emotion: str
    clips: int
    hours: float
    in_bounds: int
    release: int | None
    paper: int | None


@dataclass
class CorpusCheck:
    """What one corpus found below the folder yields; `deviates` when it differs from its release (or failed)."""

    corpus: str
    title: str
    root: str
    kept: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    emotions: list[EmotionCount] = field(default_factory=list)
    release_source: str = ""
    error: str | None = None

    @property
    def deviations(self) -> list[str]:
        if self.error:
            return [self.error]
        return [
            f"{row.emotion}: {row.clips} clips, the release has {row.release}"
            for row in self.emotions
            if row.release is not None and row.clips != row.release
        ]

    def to_dict(self) -> dict:
        return {**asdict(self), "deviations": self.deviations}

    def to_text(self, bounds: tuple[float, float]) -> str:
        lines = [f"{self.title} ({self.corpus}) at {self.root}"]
        if self.error:
            return "\n".join([*lines, f"  ERROR: {self.error}"])
        lines.append(f"  rows kept: {self.kept}; skipped: {sum(self.skipped.values())}")
        for reason, count in sorted(self.skipped.items(), key=lambda item: -item[1]):
            lines.append(f"    {count:6d}  {reason}  (e.g. {'; '.join(self.examples.get(reason, [])[:2])})")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"  {'emotion':<12} {'clips':>6} {'hours':>6} {f'{bounds[0]:g}-{bounds[1]:g} s':>8} "
                     f"{'release':>8} {'paper':>6}")  # fmt: skip
        for row in self.emotions:
            release = "-" if row.release is None else str(row.release)
            paper = "-" if row.paper is None else str(row.paper)
            flag = "  <- differs from the release" if row.release is not None and row.clips != row.release else ""
            lines.append(
                f"  {row.emotion:<12} {row.clips:6d} {row.hours:6.2f} {row.in_bounds:8d} {release:>8} {paper:>6}{flag}"
            )
        if self.release_source:
            lines.append(f"  release counts: {self.release_source}")
        lines.append("  matches its release" if not self.deviations else f"  DEVIATES: {len(self.deviations)} classes")
        return "\n".join(lines)


def _emotion_counts(builder, emotions: list[str], durations: list[float], bounds) -> list[EmotionCount]:
    clips, seconds, in_bounds = Counter(emotions), defaultdict(float), Counter()
    for emotion, duration in zip(emotions, durations, strict=True):
        seconds[emotion] += duration
        in_bounds[emotion] += bounds[0] <= duration <= bounds[1]
    names = list(dict.fromkeys([*builder.RELEASE_COUNTS, *sorted(clips)]))
    return [
        EmotionCount(
            name,
            clips[name],
            round(seconds[name] / HOUR, 3),
            in_bounds[name],
            builder.RELEASE_COUNTS.get(name) if builder.RELEASE_COUNTS else None,
            builder.PAPER_COUNTS.get(name),
        )
        for name in names
    ]


def check_corpora(
    folder: str | Path, cache_dir: str | Path | None = None, bounds: tuple[float, float] = (2.0, 13.0)
) -> list[CorpusCheck]:
    """Every built-in corpus found at or below `folder`, loaded (Arrow cache in `cache_dir`) and counted."""
    from . import load_corpus

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"check-corpora: '{folder}' is not a folder.")
    checks = []
    for name, builder in BUILDERS.items():
        try:
            root = locate_root(folder, builder.MARKERS, builder.TITLE, builder.LAYOUT)
        except FileNotFoundError:
            continue
        check = CorpusCheck(name, builder.TITLE, str(root), release_source=builder.RELEASE_SOURCE)
        try:
            dataset, report = load_corpus(name, root, cache_dir=cache_dir, return_report=True)
        except (ValueError, FileNotFoundError, OSError) as err:
            check.error = str(err)
        else:
            check.kept, check.skipped = report["kept"], report["skipped"]
            check.examples, check.notes = report["examples"], report.get("notes", [])
            check.emotions = _emotion_counts(builder, dataset["emotion"], dataset["duration"], bounds)
        checks.append(check)
    return checks


def write_report(checks: list[CorpusCheck], path: str | Path, bounds: tuple[float, float]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"duration_bounds": list(bounds), "corpora": [check.to_dict() for check in checks]}
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path
