"""A run folder that never lies: it records the resolved config that made it (and its hash) and the code version,
reuses its finished folds only for the same config, refuses another config unless told to start afresh, removes
only files its own runs wrote, and resumes only from complete checkpoints."""

import json
import re
import shutil
from dataclasses import asdict, fields
from pathlib import Path

from transformers.utils import logging

from whisper_ser.recipes.results import RunRecord

logger = logging.get_logger(__name__)

RUN_RECORD = "run_config.json"
OUTPUTS = ("metrics.json", "splits.json", "utterances.parquet", "combine_report.json", "embeddings.npz", "model")
FOLD_DIR = re.compile(r"fold_\d+")
# Settings that do not change what a run computes: where it writes, how it logs, how data is fetched.
_UNRECORDED = {"output_dir", "overwrite_output_dir", "resume_from_checkpoint", "disable_tqdm", "report_to",
               "run_name", "save_total_limit", "local_rank", "use_cpu", "data_root", "corpus_cache_dir",
               "decode_num_proc", "feature_device"}  # fmt: skip
_UNRECORDED_PREFIXES = ("logging_", "log_", "dataloader_", "hub_", "push_to_hub", "ddp_", "trackio", "project")


def _recorded(key: str) -> bool:
    return key not in _UNRECORDED and not key.startswith(_UNRECORDED_PREFIXES)


def resolved_config(model_args, data_args, augment, training_args) -> dict[str, object]:
    """Every setting that changes a run's result, flat (`section.key`); corpora by name (their content is checked
    by the split manifest), not by folder."""
    data = {f.name: getattr(data_args, f.name) for f in fields(data_args) if f.init}
    data["corpora"] = [spec.name for spec in data_args.specs]
    data["test_corpora"] = [spec.name for spec in data_args.test_specs]
    sections = {
        "model": asdict(model_args),
        "data": data,
        "augment": asdict(augment),
        "training": training_args.to_dict(),
    }
    config = {f"{section}.{key}": value for section, values in sections.items() for key, value in values.items()}
    return json.loads(json.dumps({k: v for k, v in config.items() if _recorded(k.split(".", 1)[1])}, default=str))


def open_run_folder(output: Path, config: dict, code_version: str, overwrite: bool, main: bool) -> RunRecord:
    """The record of `output` for `config`: the existing one for the same config (finished folds are reused), a
    new one otherwise. Raises when `output` holds a run of another config (unless `overwrite`, which removes only
    what that run wrote) or run outputs without a record. Only the main process (`main`) writes."""
    output = Path(output)
    record = RunRecord(config=config, config_hash=RunRecord.hash_config(config), code_version=code_version)
    path = output / RUN_RECORD
    if path.is_file():
        old = RunRecord.load(path)
        if old.config_hash == record.config_hash:
            if old.code_version != code_version:
                logger.warning(f"{output}: written by whisper-ser {old.code_version}, now {code_version}.")
            record.files = old.files
            return record
        if not overwrite:
            changed = sorted(k for k in old.config.keys() | config.keys() if old.config.get(k) != config.get(k))
            shown = "; ".join(f"{k}: {old.config.get(k)!r} -> {config.get(k)!r}" for k in changed[:8])
            raise ValueError(
                f"{output} holds a run of another config (hash {old.config_hash}, recorded in {path}) than this "
                f"one (hash {record.config_hash}); they differ in {len(changed)} settings: {shown}. Use another "
                "`output_dir`, or `overwrite_output_dir: true` to replace that run's files."
            )
        if main:
            for name in old.files:
                target = output / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
            logger.warning(f"{output}: removed the files of the run of config {old.config_hash} (overwrite).")
    elif output.is_dir():
        foreign = sorted(p.name for p in output.iterdir() if p.name in OUTPUTS or FOLD_DIR.fullmatch(p.name))
        if foreign:
            raise ValueError(
                f"{output} holds {foreign} but no run record ({RUN_RECORD}): they were not written by a whisper-ser "
                "run, which never replaces files it did not write. Move them, or use another `output_dir`."
            )
    if main:
        output.mkdir(parents=True, exist_ok=True)
        record.save(path)
    return record


def is_finished(output: Path, config: dict) -> bool:
    """Whether `output` holds a finished run (`metrics.json`) of exactly this config."""
    path = Path(output) / RUN_RECORD
    return (
        (Path(output) / "metrics.json").is_file()
        and path.is_file()
        and (RunRecord.load(path).config_hash == RunRecord.hash_config(config))
    )


def record_files(output: Path, record: RunRecord, names: list[str]) -> None:
    """Add what this run wrote to its record (main process only)."""
    record.files = sorted(set(record.files) | set(names))
    record.save(Path(output) / RUN_RECORD)


_WEIGHTS = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")


def _complete(checkpoint: Path) -> bool:
    """The Trainer writes `trainer_state.json` last: a checkpoint is complete when it parses and weights exist
    (plain, sharded, FSDP or DeepSpeed)."""
    try:
        json.loads((checkpoint / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return False
    return any((checkpoint / name).is_file() for name in _WEIGHTS) or any(
        p.is_dir() and p.name.startswith(("pytorch_model_fsdp", "global_step")) for p in checkpoint.iterdir()
    )


def last_complete_checkpoint(fold_dir: Path) -> str | None:
    """The newest complete `checkpoint-N` of a fold; incomplete ones (a run killed while saving) are skipped with
    a warning and left where they are."""
    fold_dir = Path(fold_dir)
    if not fold_dir.is_dir():
        return None
    found = [p for p in fold_dir.iterdir() if p.is_dir() and re.fullmatch(r"checkpoint-\d+", p.name)]
    for checkpoint in sorted(found, key=lambda p: int(p.name.split("-")[1]), reverse=True):
        if _complete(checkpoint):
            return str(checkpoint)
        logger.warning(f"{checkpoint}: incomplete checkpoint (killed while saving?), skipped.")
    return None
