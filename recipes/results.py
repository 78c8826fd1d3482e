"""Typed results of a run, as written to `fold_*/fold_result.json` and `metrics.json` and read back by the
reports, the cards and publishing; and the run record (`run_config.json`) that ties a run folder to the config
that made it. Each file carries a format version, like the split manifest."""

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

RESULT_FORMAT_VERSION = 2
METRICS = ("accuracy", "unweighted_accuracy", "macro_f1")


def _check_version(payload: dict, path: Path, what: str) -> None:
    version = payload.get("format_version") if isinstance(payload, dict) else None
    if version != RESULT_FORMAT_VERSION:
        raise ValueError(
            f"{path}: {what} of format version {version!r}; this whisper-ser reads version {RESULT_FORMAT_VERSION}. "
            "Rerun it (or use the whisper-ser version that wrote it)."
        )


def _read(path: Path, what: str) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no {what} (is this a finished run folder?).")
    try:
        payload = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not a JSON {what}: {error}") from None
    _check_version(payload, path, what)
    return payload


@dataclass
class CorpusScores:
    """Metrics of one corpus' held-out clips: WA (`accuracy`), UA, macro-F1, the clip count and the confusion
    matrix (rows true, columns predicted); `folds` averaged (weighted by clips), with their intervals."""

    accuracy: float
    unweighted_accuracy: float
    macro_f1: float
    n: int
    confusion_matrix: list[list[int]]
    folds: int = 1
    accuracy_ci: list[float] | None = None
    unweighted_accuracy_ci: list[float] | None = None
    macro_f1_ci: list[float] | None = None
    """95 % bootstrap intervals over the held-out clips (speakers resampled where there are several); set on a
    run's fold-averaged scores."""


def _scores(payload: dict) -> dict[str, CorpusScores]:
    return {corpus: CorpusScores(**scores) for corpus, scores in payload.items()}


@dataclass
class HeldOutClips:
    """Every held-out test clip a fold scored, in one order: what the intervals and paired comparisons resample."""

    id: list[str]
    corpus: list[str]
    speaker: list[str]
    label: list[int]
    prediction: list[int]


@dataclass
class FoldResult:
    """One fold: validation metrics of the kept checkpoint, the balanced training counts, and the scores of every
    corpus' held-out speakers (`test`) and of other corpora's (`cross`, cross-corpus scoring)."""

    fold: int
    validation: dict[str, float]
    balance_counts: dict[str, int]
    global_step: int
    test: dict[str, CorpusScores]
    cross: dict[str, CorpusScores]
    config_hash: str
    clips: HeldOutClips
    format_version: int = RESULT_FORMAT_VERSION

    def save(self, path: Path) -> Path:
        Path(path).write_text(json.dumps(asdict(self), indent=1))
        return Path(path)

    @classmethod
    def from_dict(cls, payload: dict) -> "FoldResult":
        return cls(
            **payload
            | {
                "test": _scores(payload["test"]),
                "cross": _scores(payload["cross"]),
                "clips": HeldOutClips(**payload["clips"]),
            }
        )

    @classmethod
    def load(cls, path: Path) -> "FoldResult":
        return cls.from_dict(_read(path, "fold result"))


@dataclass
class RunResult:
    """A finished run (`metrics.json`): its setup, every fold, the fold-averaged held-out scores per corpus and
    their mean, and which fold's model was published (best on `selection_metric` over validation)."""

    view: str
    classes: list[str]
    balance: str
    cv: str
    corpora: list[str]
    flags: dict
    seed: int
    model_name_or_path: str
    model_args: dict
    world_size: int
    data_dirs: dict[str, str]
    corpus_versions: dict[str, str]
    test_speakers: dict[str, list[str]]
    folds: list[FoldResult]
    best_fold: int
    selection_metric: str
    test: dict[str, CorpusScores]
    mean: dict[str, float]
    cross_corpus: dict[str, CorpusScores]
    config_hash: str
    code_version: str
    format_version: int = RESULT_FORMAT_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: Path) -> Path:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))
        return Path(path)

    @classmethod
    def from_dict(cls, payload: dict) -> "RunResult":
        known = {f.name for f in fields(cls)}
        return cls(
            **{key: value for key, value in payload.items() if key in known}
            | {
                "folds": [FoldResult.from_dict(fold) for fold in payload["folds"]],
                "test": _scores(payload["test"]),
                "cross_corpus": _scores(payload["cross_corpus"]),
            }
        )

    @classmethod
    def load(cls, path: Path) -> "RunResult":
        """`metrics.json` of a run folder (or the file itself)."""
        path = Path(path)
        return cls.from_dict(_read(path / "metrics.json" if path.is_dir() else path, "run result"))


@dataclass
class RunRecord:
    """`run_config.json`: the resolved config of a run folder, its hash, the code version that wrote it, and the
    files the run wrote there (the only ones it may ever replace or remove)."""

    config: dict
    config_hash: str
    code_version: str
    files: list[str] = field(default_factory=list)
    format_version: int = RESULT_FORMAT_VERSION

    @staticmethod
    def hash_config(config: dict) -> str:
        return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def save(self, path: Path) -> Path:
        path = Path(path)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1))
        temporary.replace(path)  # atomic: a killed run never leaves half a record
        return path

    @classmethod
    def load(cls, path: Path) -> "RunRecord":
        return cls(**_read(path, "run record"))
