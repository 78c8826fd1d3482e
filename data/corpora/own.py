"""A user's own corpus: a metadata file (`.csv` or `.jsonl`) with one row per clip — `path` (relative to the
metadata file), `emotion`, `speaker`, and optionally `gender`, `language`, `text` — beside or above the audio.

Emotion names go through `labels.canonical_name` (`anger` -> angry, `joy` -> happy, …); other names are the corpus'
own classes of the N view. Every audio file below the metadata file's folder is a row or a counted skip."""

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import datasets

from whisper_ser.data.builder import SERConfig, SERCorpusBuilder, SkipReport, Utterance
from whisper_ser.data.labels import canonical_name

REQUIRED_COLUMNS = ("path", "emotion", "speaker")
OPTIONAL_COLUMNS = ("gender", "language", "text")
METADATA_SUFFIXES = (".csv", ".jsonl")
NAME = re.compile(r"[a-z][a-z0-9_]*")


def read_metadata(path: Path) -> list[dict[str, str]]:
    """The rows of a metadata CSV or JSONL, checked for the required columns; errors name the file."""
    if path.suffix.lower() not in METADATA_SUFFIXES:
        raise ValueError(f"'{path}': a corpus metadata file must be .csv or .jsonl.")
    if not path.is_file():
        raise FileNotFoundError(f"'{path}': no such metadata file (expected columns {list(REQUIRED_COLUMNS)}).")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        columns, rows = list(reader.fieldnames or ()), list(reader)
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"'{path}' line {number}: not a JSON object ({err.msg}).") from err
            if not isinstance(row, dict):
                raise ValueError(f"'{path}' line {number}: expected a JSON object, got {type(row).__name__}.")
            rows.append({key: "" if value is None else str(value) for key, value in row.items()})
        columns = list(dict.fromkeys(key for row in rows for key in row))
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValueError(
            f"'{path}' lacks the columns {missing}: a corpus metadata file needs {list(REQUIRED_COLUMNS)} "
            f"(optional: {list(OPTIONAL_COLUMNS)}); its columns are {columns}."
        )
    if not rows:
        raise ValueError(f"'{path}' has a header and no rows.")
    return rows


@dataclass
class OwnCorpusConfig(SERConfig):
    """`corpus`: the name the user gave it; `metadata`: the metadata file's name inside `data_dir`."""

    corpus: str = ""
    metadata: str = ""


class OwnCorpus(SERCorpusBuilder):
    """Builder of a user's own corpus; `CORPUS` and `TITLE` are the name given in the recipe
    (`mydata=…/metadata.csv`)."""

    CORPUS = "own"
    TITLE = "own corpus"
    HOMEPAGE = ""
    LICENSE = "unknown (the user's own data)"
    REDISTRIBUTABLE = False
    MARKERS = ()
    LAYOUT = "metadata.csv or metadata.jsonl with columns path, emotion, speaker (+ gender, language, text)"
    PATTERN = re.compile(r".*")
    UNCLAIMED = "not listed in the metadata file"
    BUILDER_CONFIG_CLASS = OwnCorpusConfig
    BUILDER_CONFIGS = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not NAME.fullmatch(self.config.corpus):
            raise ValueError(
                f"Own corpus name {self.config.corpus!r}: use lower-case letters, digits and '_' (e.g. 'mydata')."
            )
        self.CORPUS = self.TITLE = self.config.corpus

    def _split_generators(self, dl_manager):
        root = Path(self.config.data_dir)
        self._check_metadata(root)
        return [datasets.SplitGenerator(name=datasets.Split.TRAIN, gen_kwargs={"root": str(root)})]

    def _check_metadata(self, root: Path) -> None:
        read_metadata(root / self.config.metadata)

    def canonical(self, native: str) -> str | None:
        return canonical_name(native) or None

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        metadata = root / self.config.metadata
        for row in read_metadata(metadata):
            path = (root / row["path"].strip()).resolve()
            if not row["path"].strip() or not path.is_file():
                report.skip(f"listed in {metadata.name} but missing", row["path"].strip() or "(empty path)")
                continue
            if not path.is_relative_to(root.resolve()):
                report.skip(f"listed in {metadata.name} outside its folder", row["path"].strip())
                continue
            if not row["speaker"].strip():
                report.skip("no speaker", path)
                continue
            yield Utterance(
                path=root / path.relative_to(root.resolve()),
                native_label=row["emotion"].strip(),
                speaker=row["speaker"].strip(),
                gender=(row.get("gender") or "unknown").strip().lower(),
                language=(row.get("language") or "en").strip(),
                text=(row.get("text") or "").strip() or None,
            )
