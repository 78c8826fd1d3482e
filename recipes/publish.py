"""Publishing to the Hub: a run's model with its card, manifests and metrics; the benchmark as a dataset.

Everything is checked before the first request (files, repo id, token); uploads are staged in a temporary
folder, so a failed upload leaves nothing behind and never touches the run folder. The token comes only from
huggingface_hub (`hf auth login` or `HF_TOKEN`) and is never printed or written.
"""

import importlib.util
import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import datasets
from huggingface_hub import CommitInfo, HfApi, SpaceCard, SpaceCardData, get_token
from huggingface_hub.utils import HFValidationError, validate_repo_id
from transformers.utils import logging

from whisper_ser.data.builder import locate_root
from whisper_ser.data.corpora import BUILDERS, corpus_facts
from whisper_ser.data.protocol import load_manifest
from whisper_ser.hub_cards import dataset_card, model_card

from .results import RunResult
from .training import UTTERANCES

logger = logging.get_logger(__name__)

MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "preprocessor_config.json",
    "configuration_whisper_emotion.py",
    "modeling_whisper_emotion.py",
    "feature_extraction_whisper_emotion.py",
    "pipeline_whisper_emotion.py",
)
PRIVATE_KEYS = ("data_dirs",)  # local paths in metrics.json stay local


def _check_target(repo_id: str) -> str:
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise ValueError(f"Invalid repo id {repo_id!r}: {err}") from err
    if "/" not in repo_id:
        raise ValueError(f"Repo id {repo_id!r} needs a namespace: `org/name` or `user/name`.")
    token = get_token()
    if not token:
        raise PermissionError("No Hugging Face token: run `hf auth login` or set HF_TOKEN before pushing.")
    return token


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing {what}; is this a finished whisper-ser run?")
    return path


def _public_metrics(metrics: RunResult) -> str:
    return json.dumps({k: v for k, v in metrics.to_dict().items() if k not in PRIVATE_KEYS}, indent=1)


def _upload(
    staging: Path, repo_id: str, repo_type: str, token: str, private: bool, revision: str | None, message: str
) -> CommitInfo:
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
    if revision:
        api.create_branch(repo_id, repo_type=repo_type, branch=revision, exist_ok=True)
    return api.upload_folder(
        folder_path=staging, repo_id=repo_id, repo_type=repo_type, revision=revision, commit_message=message
    )


def push_model(
    run_dir: str | Path,
    repo_id: str,
    private: bool = False,
    revision: str | None = None,
    license: str = "cc-by-nc-4.0",
) -> CommitInfo:
    """Upload a run's model (safetensors, config with `auto_map`, remote code, feature extractor), its card,
    `splits.json`, `metrics.json` and plots."""
    run = Path(run_dir)
    metrics = RunResult.load(_require(run / "metrics.json", "metrics.json"))
    for name in MODEL_FILES:
        _require(run / "model" / name, f"model/{name}")
    _require(run / "splits.json", "the split manifest splits.json")
    token = _check_target(repo_id)
    with tempfile.TemporaryDirectory(prefix="whisper-ser-push-") as tmp:
        staging = Path(tmp)
        for name in MODEL_FILES:
            shutil.copy(run / "model" / name, staging / name)
        shutil.copy(run / "splits.json", staging / "splits.json")
        (staging / "metrics.json").write_text(_public_metrics(metrics))
        images = sorted(p.name for p in run.glob("*.png"))
        for image in images:
            shutil.copy(run / image, staging / image)
        model_card(metrics, repo_id, images, license=license).save(staging / "README.md")
        info = _upload(
            staging,
            repo_id,
            "model",
            token,
            private,
            revision,
            f"Upload whisper-ser model ({metrics.view}-emotion, {', '.join(metrics.corpora)})",
        )
    logger.info(f"Pushed {run} to {info.commit_url}")
    return info


SPACE_REQUIREMENTS = [
    "torch", "transformers>=5,<6", "gradio>=5", "matplotlib", "numpy", "soundfile", "soxr", "silero-vad",
]  # fmt: skip


def push_space(run_dir: str | Path, repo_id: str, private: bool = False) -> CommitInfo:
    """Upload the Gradio app as a Space: the same `app.py` that `whisper-ser demo` runs, its requirements,
    Space metadata, and the run's model (with `metrics.json`, shown beside the predictions)."""
    import gradio

    run = Path(run_dir)
    metrics = RunResult.load(_require(run / "metrics.json", "metrics.json"))
    for name in MODEL_FILES:
        _require(run / "model" / name, f"model/{name}")
    token = _check_target(repo_id)
    with tempfile.TemporaryDirectory(prefix="whisper-ser-push-") as tmp:
        staging = Path(tmp)
        shutil.copy(importlib.util.find_spec("whisper_ser.app").origin, staging / "app.py")
        (staging / "requirements.txt").write_text("\n".join(SPACE_REQUIREMENTS) + "\n")
        (staging / "model").mkdir()
        for name in MODEL_FILES:
            shutil.copy(run / "model" / name, staging / "model" / name)
        (staging / "metrics.json").write_text(_public_metrics(metrics))
        data = SpaceCardData(
            title="Speech emotion recognition",
            sdk="gradio",
            sdk_version=gradio.__version__,
            app_file="app.py",
            license="cc-by-nc-4.0",
            tags=["speech-emotion-recognition"],
        )
        card = SpaceCard(
            f"---\n{data.to_yaml()}\n---\n\n# Speech emotion recognition\n\nThe whisper-ser demo app "
            f"on a model fine-tuned for {', '.join(metrics.classes)}.\n"
        )
        card.save(staging / "README.md")
        api = HfApi(token=token)
        api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
        info = api.upload_folder(
            folder_path=staging, repo_id=repo_id, repo_type="space", commit_message="Upload the whisper-ser demo app"
        )
    logger.info(f"Pushed the app of {run} to {info.commit_url}")
    return info


def _utterance_rows(run_dir: Path) -> list[dict]:
    plan = load_manifest(run_dir / "splits.json")
    meta = {row["id"]: row for row in datasets.Dataset.from_parquet(str(run_dir / UTTERANCES)).to_list()}
    rows = []
    for fold in range(len(plan.folds)):
        for role, ids in plan.roles(fold).items():
            rows += [{"run": run_dir.name, **meta[utt], "fold": fold, "role": role} for utt in ids]
    return rows


def push_benchmark(
    benchmark_dir: str | Path,
    repo_id: str,
    private: bool = False,
    revision: str | None = None,
    with_audio: bool = False,
    pretty_name: str = "whisper-ser SER benchmark",
) -> CommitInfo:
    """Upload a benchmark folder (`run_benchmark.py` output) as a dataset: manifests, per-utterance metadata and
    results as Parquet, the tables and a card; original audio only with `with_audio`, only where licences
    allow (the builders' `REDISTRIBUTABLE`)."""
    root = Path(benchmark_dir)
    _require(root / "table3.csv", "table3.csv")
    runs = sorted(p.parent for p in root.glob("*/metrics.json"))
    if not runs:
        raise FileNotFoundError(f"{root}: no run folder with metrics.json.")
    for run in runs:
        _require(run / "splits.json", "splits.json")
        _require(run / UTTERANCES, UTTERANCES)
    token = _check_target(repo_id)
    metrics = {run.name: RunResult.load(run) for run in runs}
    corpora = sorted({c for m in metrics.values() for c in m.corpora})
    audio = [c for c in corpora if with_audio and corpus_facts(c)["redistributable"]]
    if with_audio:
        withheld = [c for c in corpora if not corpus_facts(c)["redistributable"]]
        logger.warning(f"Audio withheld (licence): {withheld or 'none'}; included: {audio or 'none'}.")
    with tempfile.TemporaryDirectory(prefix="whisper-ser-push-") as tmp:
        staging = Path(tmp)
        (staging / "manifests").mkdir()
        rows = []
        for run in runs:
            shutil.copy(run / "splits.json", staging / "manifests" / f"{run.name}.json")
            rows += _utterance_rows(run)
        datasets.Dataset.from_list(rows).to_parquet(str(staging / "utterances.parquet"))
        results = [
            {
                "run": name,
                "corpus": corpus,
                "view": m.view,
                "balance": m.balance,
                **{k: v for k, v in asdict(scores).items() if k != "confusion_matrix"},
            }
            for name, m in metrics.items()
            for corpus, scores in m.test.items()
        ]
        datasets.Dataset.from_list(results).to_parquet(str(staging / "results.parquet"))
        for table in ("table3.csv", "table3.md"):
            shutil.copy(root / table, staging / table)
        for corpus in audio:
            _stage_audio(corpus, metrics, rows, staging)
        dataset_card(corpora, pretty_name, audio).save(staging / "README.md")
        info = _upload(staging, repo_id, "dataset", token, private, revision, "Upload whisper-ser benchmark")
    logger.info(f"Pushed {root} to {info.commit_url}")
    return info


def _stage_audio(corpus: str, metrics: dict[str, RunResult], rows: list[dict], staging: Path) -> None:
    folders = {m.data_dirs[corpus] for m in metrics.values() if corpus in m.data_dirs}
    if not folders:
        raise FileNotFoundError(f"No local copy of {corpus} recorded in the runs' metrics.json.")
    builder = BUILDERS[corpus]
    root = locate_root(sorted(folders)[0], builder.MARKERS, builder.TITLE, builder.LAYOUT)
    for utt in sorted({row["id"] for row in rows if row["corpus"] == corpus}):
        relative = utt.split("/", 1)[1]
        matches = sorted(root.glob(f"{relative}.*"))
        if not matches:
            raise FileNotFoundError(f"{corpus}: audio of {utt!r} not found under {root}.")
        target = staging / "audio" / corpus / f"{relative}{matches[0].suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(matches[0], target)
