"""Corpus loaders, labels and the benchmark protocol."""

from pathlib import Path

import datasets

from .builder import FEATURES, SERCorpusBuilder, SkipReport, folder_fingerprint, locate_root
from .corpora import BUILDERS
from .labels import CANONICAL, CORPUS_CLASSES, VIEWS, in_view, to_canonical, view_classes

CORPORA: tuple[str, ...] = tuple(BUILDERS)


def corpus_builder(name: str, data_dir: str | Path, cache_dir: str | Path | None = None) -> SERCorpusBuilder:
    """The `datasets` builder of one corpus over a local copy."""
    if name not in BUILDERS:
        raise ValueError(f"Unknown corpus {name!r}; available: {sorted(BUILDERS)}.")
    builder = BUILDERS[name]
    root = locate_root(data_dir, builder.MARKERS, builder.TITLE, builder.LAYOUT)
    return builder(
        data_dir=str(root.resolve()),
        cache_dir=str(cache_dir) if cache_dir else None,
        fingerprint=folder_fingerprint(root),
    )


def load_corpus(
    name: str, data_dir: str | Path, cache_dir: str | Path | None = None, return_report: bool = False
) -> datasets.Dataset | tuple[datasets.Dataset, dict]:
    """Prepare (once, cached as Arrow) and load a corpus; with `return_report`, also what was skipped and why."""
    builder = corpus_builder(name, data_dir, cache_dir)
    builder.download_and_prepare()
    dataset = builder.as_dataset(split="train")
    return (dataset, builder.skip_report) if return_report else dataset


__all__ = [
    "CANONICAL", "CORPORA", "CORPUS_CLASSES", "FEATURES", "SERCorpusBuilder", "SkipReport", "VIEWS",
    "corpus_builder", "in_view", "load_corpus", "to_canonical", "view_classes",
]  # fmt: skip
