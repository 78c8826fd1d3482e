"""Recipe arguments: dataclasses parsed from `--config file.yaml` plus command-line overrides."""

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml
from transformers import HfArgumentParser, TrainingArguments

from whisper_ser.data import CORPORA
from whisper_ser.data.augment import AugmentConfig
from whisper_ser.data.balance import METHODS
from whisper_ser.data.protocol import CV_MODES
from whisper_ser.modeling import POOLING_MODES


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        default="openai/whisper-base",
        metadata={"help": "Hub id or folder of a Whisper checkpoint, or `bundled:tiny.en` (offline)"},
    )
    pooling: str = field(default="encoder_decoder", metadata={"help": f"one of {POOLING_MODES}"})
    classifier_hidden_sizes: list[int] = field(default_factory=lambda: [4096, 2048, 1024, 512])
    classifier_dropout: float = 0.0
    freeze_encoder: bool = False

    def __post_init__(self):
        if self.pooling not in POOLING_MODES:
            raise ValueError(f"`pooling` must be one of {POOLING_MODES}, got {self.pooling!r}.")


@dataclass
class CorpusSpec:
    name: str
    data_dir: Path


@dataclass
class DataArguments:
    corpora: list[str] = field(
        default_factory=list,
        metadata={"help": "`name=folder` per corpus; a relative folder is taken below `data_root`"},
    )
    data_root: str = field(default=".", metadata={"help": "base of relative corpus folders"})
    corpus_cache_dir: str | None = field(default=None, metadata={"help": "Arrow cache of the loaders"})
    view: str = field(default="4", metadata={"help": "emotion view: 4, 5 or N"})
    min_duration: float = 2.0
    max_duration: float = 13.0
    cv: str = field(default="speaker", metadata={"help": f"combined-run folds, one of {CV_MODES}"})
    folds: list[int] | None = field(default=None, metadata={"help": "fold indices to run (default: all)"})
    manifest: str | None = field(default=None, metadata={"help": "reuse the splits of a saved manifest"})
    balance: str = field(default="none", metadata={"help": f"one of {METHODS}"})
    balance_representation: str = field(default="logmel", metadata={"help": "logmel or waveform (SMOTE/ADASYN)"})
    test_corpora: list[str] = field(
        default_factory=list,
        metadata={"help": "`name=folder` of more corpora whose held-out speakers are scored (cross-corpus)"},
    )

    def __post_init__(self):
        if self.balance not in METHODS:
            raise ValueError(f"`balance` must be one of {METHODS}, got {self.balance!r}.")
        if self.cv not in CV_MODES:
            raise ValueError(f"`cv` must be one of {CV_MODES}, got {self.cv!r}.")
        if not self.corpora:
            raise ValueError("`corpora` is empty: give at least one `name=folder`.")
        self.specs = self._specs(self.corpora)
        self.test_specs = self._specs(self.test_corpora)

    def _specs(self, entries: list[str]) -> list[CorpusSpec]:
        specs = []
        for entry in entries:
            name, sep, folder = entry.partition("=")
            if not sep or name not in CORPORA:
                raise ValueError(f"Corpus entry {entry!r}: expected `name=folder` with name in {sorted(CORPORA)}.")
            path = Path(folder).expanduser()
            specs.append(CorpusSpec(name, path if path.is_absolute() else Path(self.data_root).expanduser() / path))
        return specs


@dataclass
class SERTrainingArguments(TrainingArguments):
    """`TrainingArguments` with the paper's defaults (constant learning rate 1e-5) and what the recipes need."""

    learning_rate: float = 1e-5
    lr_scheduler_type: str = "constant"
    eval_strategy: str = "epoch"
    save_strategy: str = "epoch"
    save_total_limit: int | None = 1
    load_best_model_at_end: bool = True
    metric_for_best_model: str = "accuracy"
    remove_unused_columns: bool = False
    group_by_length: bool = True
    length_column_name: str = "length"
    report_to: str = "none"


ARGUMENT_CLASSES = (ModelArguments, DataArguments, AugmentConfig, SERTrainingArguments)


class SERArgumentParser(HfArgumentParser):
    """`--config file.yaml` sets defaults, the command line overrides them, unknown YAML keys raise
    (the rules of TRL's `TrlParser`, without the trl dependency)."""

    def __init__(self, dataclass_types=ARGUMENT_CLASSES, **kwargs):
        super().__init__(dataclass_types, **kwargs)

    def parse(self, args: list[str] | None = None):
        argv = list(sys.argv[1:] if args is None else args)
        if "--config" in argv:
            at = argv.index("--config")
            if at + 1 >= len(argv):
                raise ValueError("`--config` needs a YAML file.")
            config_path = Path(argv[at + 1])
            del argv[at : at + 2]
            self.apply_yaml(config_path)
        return self.parse_args_into_dataclasses(argv)

    def apply_yaml(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"Config file not found: {path}")
        values = yaml.safe_load(path.read_text()) or {}
        known = {f.name for cls in self.dataclass_types for f in fields(cls) if f.init}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{path}: unknown keys {unknown}; every key must be a field of {self._names()}.")
        for action in self._actions:
            if action.dest in values:
                action.required = False
        self.set_defaults(**values)

    def _names(self) -> list[str]:
        return [cls.__name__ for cls in self.dataclass_types]
