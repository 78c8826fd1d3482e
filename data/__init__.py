"""Corpus loaders, labels and the benchmark protocol."""

from pathlib import Path

import datasets

from .builder import FEATURES, SERCorpusBuilder, SkipReport, folder_fingerprint, locate_root
from .corpora import BUILDERS, OwnCorpus
from .corpora.own import METADATA_SUFFIXES
from .labels import CANONICAL, CORPUS_CLASSES, VIEWS, in_view, to_canonical, view_classes

CORPORA: tuple[str, ...] = tuple(BUILDERS)


def is_own_corpus(name: str, source: str | Path) -> bool:
    """Whether `name=source` names a user's own corpus (a name not built in, pointing at a metadata file)."""
    return name not in BUILDERS and Path(source).suffix.lower() in METADATA_SUFFIXES


def corpus_builder(name: str, data_dir: str | Path, cache_dir: str | Path | None = None) -> SERCorpusBuilder:
    """The `datasets` builder of one corpus over a local copy: one of the 11 (`data_dir` at or above its root), or a
    user's own (any other name; `data_dir` is its metadata `.csv`/`.jsonl`)."""
    cache = str(cache_dir) if cache_dir else None
    if is_own_corpus(name, data_dir):
        metadata = Path(data_dir).expanduser().resolve()
        root = metadata.parent
        return OwnCorpus(
            data_dir=str(root),
            cache_dir=cache,
            corpus=name,
            metadata=metadata.name,
            fingerprint=folder_fingerprint(root),
        )
    if name not in BUILDERS:
        raise ValueError(
            f"Unknown corpus {name!r}: the built-in corpora are {sorted(BUILDERS)}; a corpus of your own is "
            f"`{name}=path/to/metadata.csv` (or .jsonl) with columns path, emotion, speaker."
        )
    builder = BUILDERS[name]
    root = locate_root(data_dir, builder.MARKERS, builder.TITLE, builder.LAYOUT)
    return builder(data_dir=str(root.resolve()), cache_dir=cache, fingerprint=folder_fingerprint(root))


def load_corpus(
    name: str, data_dir: str | Path, cache_dir: str | Path | None = None, return_report: bool = False
) -> datasets.Dataset | tuple[datasets.Dataset, dict]:
    """Prepare (once, cached as Arrow) and load a corpus; with `return_report`, also what was skipped and why.
    A corpus of which no file became a row is an error naming the folder, the skip reasons and the layout."""
    builder = corpus_builder(name, data_dir, cache_dir)
    builder.download_and_prepare()
    report = builder.skip_report
    if not report["kept"]:
        reasons = "; ".join(
            f"{count} {reason} (e.g. {report['examples'][reason][0]})" for reason, count in report["skipped"].items()
        )
        raise ValueError(
            f"{builder.TITLE}: no file below '{builder.config.data_dir}' became a row "
            f"({reasons or 'no audio files found'}). Expected layout: {builder.LAYOUT}"
        )
    dataset = builder.as_dataset(split="train")
    return (dataset, report) if return_report else dataset


__all__ = [
    "CANONICAL", "CORPORA", "CORPUS_CLASSES", "FEATURES", "SERCorpusBuilder", "SkipReport", "VIEWS",
    "corpus_builder", "in_view", "is_own_corpus", "load_corpus", "to_canonical", "view_classes",
]  # fmt: skip
