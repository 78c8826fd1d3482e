"""Recipe arguments: dataclasses parsed from `--config file.yaml` plus command-line overrides, every value
checked (type and range) when parsed, with errors naming the key and the file."""

import sys
import types
import typing
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path

import torch
import yaml
from transformers import HfArgumentParser, TrainingArguments

from whisper_ser.data import CORPORA, is_own_corpus
from whisper_ser.data.augment import AugmentConfig
from whisper_ser.data.balance import METHODS, REPRESENTATIONS
from whisper_ser.data.corpora.own import NAME as OWN_NAME
from whisper_ser.data.labels import VIEW_NAMES
from whisper_ser.data.protocol import CV_MODES
from whisper_ser.modeling import POOLING_MODES

MAX_CLIP_SECONDS = 30.0
"""Whisper's encoder window: no clip may be longer."""
FEATURE_DEVICES = ("cpu", "cuda", "auto")
FEATURE_PADDINGS = ("longest", "stock_30s")


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
    feature_padding: str = field(
        default="longest",
        metadata={
            "help": f"one of {FEATURE_PADDINGS}: padding-free masked features (`longest`), or stock Whisper's input "
            "(`stock_30s`: audio zero-padded to 30 s by `WhisperFeatureExtractor`, no mask, so the encoder and the "
            "pooling see the padding; the saved model keeps that extractor)"
        },
    )

    def __post_init__(self):
        if self.pooling not in POOLING_MODES:
            raise ValueError(f"`pooling` must be one of {POOLING_MODES}, got {self.pooling!r}.")
        if self.feature_padding not in FEATURE_PADDINGS:
            raise ValueError(f"`feature_padding` must be one of {FEATURE_PADDINGS}, got {self.feature_padding!r}.")
        if not all(size > 0 for size in self.classifier_hidden_sizes):
            raise ValueError(f"`classifier_hidden_sizes` must be positive, got {self.classifier_hidden_sizes}.")
        if not 0.0 <= self.classifier_dropout < 1.0:
            raise ValueError(f"`classifier_dropout` must be in [0, 1), got {self.classifier_dropout}.")
        if not self.model_name_or_path.startswith("bundled:") and _looks_like_folder(self.model_name_or_path):
            if not Path(self.model_name_or_path).expanduser().is_dir():
                raise FileNotFoundError(
                    f"`model_name_or_path`: no folder {self.model_name_or_path!r} (a Hub id is `name` or `org/name`)."
                )


def _looks_like_folder(name: str) -> bool:
    """A local path, not a Hub id (`name` or `org/name`): absolute, relative with `./`/`~`, or deeper than org/name."""
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or Path(name).expanduser().exists()


@dataclass
class CorpusSpec:
    name: str
    data_dir: Path


@dataclass
class DataArguments:
    corpora: list[str] = field(
        default_factory=list,
        metadata={
            "help": "`name=folder` per corpus, or `name=metadata.csv` for one of your own; relative paths are "
            "taken below `data_root`"
        },
    )
    data_root: str = field(default=".", metadata={"help": "base of relative corpus folders"})
    corpus_cache_dir: str | None = field(default=None, metadata={"help": "Arrow cache of the loaders"})
    view: str = field(default="4", metadata={"help": f"emotion view, one of {VIEW_NAMES}"})
    min_duration: float = 2.0
    max_duration: float = 13.0
    cv: str = field(default="speaker", metadata={"help": f"combined-run folds, one of {CV_MODES}"})
    test_speakers: int = field(
        default=1, metadata={"help": "speakers held out per corpus (the paper: 1; more tighten the intervals)"}
    )
    folds: list[int] | None = field(default=None, metadata={"help": "fold indices to run (default: all)"})
    manifest: str | None = field(default=None, metadata={"help": "reuse the splits of a saved manifest"})
    balance: str = field(default="none", metadata={"help": f"one of {METHODS}"})
    balance_representation: str = field(
        default="logmel", metadata={"help": f"SMOTE/ADASYN neighbour space, one of {REPRESENTATIONS}"}
    )
    test_corpora: list[str] = field(
        default_factory=list,
        metadata={"help": "`name=folder` of more corpora whose held-out speakers are scored (cross-corpus)"},
    )
    decode_num_proc: int | None = field(
        default=None, metadata={"help": "processes that decode a corpus into its waveform cache (once per corpus)"}
    )
    frame_budget: int | None = field(
        default=None,
        metadata={
            "help": "fill each training batch up to this many padded feature frames (100 per second of audio) "
            "instead of `per_device_train_batch_size` clips"
        },
    )
    feature_device: str = field(
        default="cpu",
        metadata={
            "help": f"where log-mel features are computed, one of {FEATURE_DEVICES} (auto: CUDA when visible); on "
            "CUDA loader workers batch the waveforms and each training process extracts on its own GPU"
        },
    )

    def __post_init__(self):
        for key, choices in (
            ("view", VIEW_NAMES),
            ("balance", METHODS),
            ("balance_representation", REPRESENTATIONS),
            ("cv", CV_MODES),
            ("feature_device", FEATURE_DEVICES),
        ):
            if getattr(self, key) not in choices:
                raise ValueError(f"`{key}` must be one of {choices}, got {getattr(self, key)!r}.")
        if not 0.0 <= self.min_duration < self.max_duration <= MAX_CLIP_SECONDS:
            raise ValueError(
                f"`min_duration` ({self.min_duration}) and `max_duration` ({self.max_duration}) must satisfy "
                f"0 <= min_duration < max_duration <= {MAX_CLIP_SECONDS:g} (Whisper's window)."
            )
        if self.frame_budget is not None and self.frame_budget < 100 * MAX_CLIP_SECONDS:
            raise ValueError(
                f"`frame_budget` ({self.frame_budget}) must hold at least one {MAX_CLIP_SECONDS:g}-s clip "
                f"({100 * MAX_CLIP_SECONDS:g} frames)."
            )
        if self.decode_num_proc is not None and self.decode_num_proc < 1:
            raise ValueError(f"`decode_num_proc` must be at least 1, got {self.decode_num_proc}.")
        if self.feature_device == "cuda" and not torch.cuda.is_available():
            raise ValueError("`feature_device: cuda` but no CUDA device is visible; use `auto` or `cpu`.")
        if self.test_speakers < 1:
            raise ValueError(f"`test_speakers` must be at least 1, got {self.test_speakers}.")
        if self.folds is not None and (not self.folds or any(f < 0 for f in self.folds)):
            raise ValueError(f"`folds` must be a non-empty list of fold indices >= 0, got {self.folds}.")
        if self.folds is not None and len(set(self.folds)) < len(self.folds):
            raise ValueError(f"`folds` lists a fold twice: {self.folds}.")
        if not self.corpora:
            raise ValueError("`corpora` is empty: give at least one `name=folder`.")
        if self.manifest and not Path(self.manifest).expanduser().is_file():
            raise FileNotFoundError(f"`manifest`: no file {self.manifest!r}.")
        self.specs = self._specs("corpora", self.corpora)
        self.test_specs = self._specs("test_corpora", self.test_corpora)
        trained = {spec.name for spec in self.specs}
        both = sorted(trained & {spec.name for spec in self.test_specs})
        if both:
            raise ValueError(
                f"`test_corpora` {both} are also in `corpora`, whose held-out speakers are scored anyway."
            )

    def _specs(self, key: str, entries: list[str]) -> list[CorpusSpec]:
        specs = []
        for entry in entries:
            name, sep, folder = entry.partition("=")
            if not sep or not folder or not (name in CORPORA or is_own_corpus(name, folder)):
                raise ValueError(
                    f"`{key}` entry {entry!r}: expected `name=folder` with name in {sorted(CORPORA)}, or "
                    "`name=path/to/metadata.csv` (or .jsonl) for a corpus of your own."
                )
            if is_own_corpus(name, folder) and not OWN_NAME.fullmatch(name):
                raise ValueError(
                    f"`{key}` entry {entry!r}: name your own corpus with lower-case letters, digits, '_'."
                )
            if name in {spec.name for spec in specs}:
                raise ValueError(f"`{key}` names {name!r} twice; give each corpus once.")
            path = Path(folder).expanduser()
            specs.append(CorpusSpec(name, path if path.is_absolute() else Path(self.data_root).expanduser() / path))
        return specs


@dataclass
class SERTrainingArguments(TrainingArguments):
    """`TrainingArguments` with the paper's defaults (constant learning rate 1e-5) and what the recipes need.
    `overwrite_output_dir: true` starts a run afresh in a folder that holds one of another config."""

    learning_rate: float = 1e-5
    lr_scheduler_type: str = "constant"
    eval_strategy: str = "epoch"
    save_strategy: str = "epoch"
    save_total_limit: int | None = 1
    load_best_model_at_end: bool = True
    metric_for_best_model: str = "accuracy"
    remove_unused_columns: bool = False
    train_sampling_strategy: str = "group_by_length"
    report_to: str = "none"
    overwrite_output_dir: bool = field(
        default=False, metadata={"help": "start afresh where `output_dir` holds a run of another config"}
    )


def feature_device(name: str, training_device: torch.device | None = None) -> str:
    """`feature_device` resolved: `auto` is CUDA when one is visible, else the CPU; CUDA is the training process'
    own GPU (`cuda:<local rank>` under DDP) when it trains on one."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and training_device is not None and training_device.type == "cuda":
        return str(training_device)
    return name


ARGUMENT_CLASSES = (ModelArguments, DataArguments, AugmentConfig, SERTrainingArguments)


def _accepts(value, hint) -> bool:
    """Whether a YAML value fits a dataclass field's type (what argparse would check on the command line)."""
    origin = typing.get_origin(hint)
    if hint is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin in (list, tuple):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return isinstance(value, list) and all(_accepts(v, args[0]) for v in value) if args else True
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint in (str, Path):
        return isinstance(value, str)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return value in {member.value for member in hint} or isinstance(value, str)
    return True  # other types (callables, objects) are checked by the dataclass itself


def _type_name(hint) -> str:
    return getattr(hint, "__name__", None) if typing.get_origin(hint) is None else str(hint).replace("typing.", "")


class SERArgumentParser(HfArgumentParser):
    """`--config file.yaml` sets defaults, the command line overrides them, unknown YAML keys raise (the rules of
    TRL's `TrlParser`, without the trl dependency); every YAML value is type-checked and every error names the
    file."""

    def __init__(self, dataclass_types=ARGUMENT_CLASSES, **kwargs):
        super().__init__(dataclass_types, **kwargs)

    def parse(self, args: list[str] | None = None):
        argv = list(sys.argv[1:] if args is None else args)
        config_path = None
        if "--config" in argv:
            at = argv.index("--config")
            if at + 1 >= len(argv):
                raise ValueError("`--config` needs a YAML file.")
            config_path = Path(argv[at + 1])
            del argv[at : at + 2]
            self.apply_yaml(config_path)
        try:
            parsed = self.parse_args_into_dataclasses(argv)
            model_args, data_args = parsed[0], parsed[1]
            if model_args.feature_padding == "stock_30s" and data_args.frame_budget is not None:
                raise ValueError(
                    "`frame_budget` fills batches by padding-free frames, but with `feature_padding: stock_30s` "
                    "every clip costs 3000: set `per_device_train_batch_size` instead."
                )
            return parsed
        except (ValueError, FileNotFoundError) as error:
            where = f"{config_path} (with the command line)" if config_path else "command line"
            raise type(error)(f"{where}: {error}") from error

    def apply_yaml(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"Config file not found: {path}")
        try:
            values = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise ValueError(f"{path}: not valid YAML: {error}") from None
        if not isinstance(values, dict):
            raise ValueError(f"{path}: expected a mapping of keys to values, got {type(values).__name__}.")
        hints = {}
        for cls in self.dataclass_types:
            types_of = typing.get_type_hints(cls)
            hints.update({f.name: types_of.get(f.name, typing.Any) for f in fields(cls) if f.init})
        unknown = sorted(set(values) - set(hints))
        if unknown:
            raise ValueError(f"{path}: unknown keys {unknown}; every key must be a field of {self._names()}.")
        for key, value in values.items():
            if not _accepts(value, hints[key]):
                raise ValueError(f"{path}: `{key}` must be {_type_name(hints[key])}, got {value!r}.")
        for action in self._actions:
            if action.dest in values:
                action.required = False
        self.set_defaults(**values)

    def _names(self) -> list[str]:
        return [cls.__name__ for cls in self.dataclass_types]
