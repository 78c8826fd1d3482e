"""Pushing runs and benchmarks with the real huggingface_hub client to a Hub-compatible server on 127.0.0.1."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from huggingface_hub import DatasetCard, HfApi, ModelCard, constants, hf_hub_download

from tests.conftest import BLOCK_WHISPER_SER, PACKAGE, RECIPES, noise, tiny_recipe
from tests.hub.hub_server import serve
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification
from whisper_ser.recipes.benchmark import run_grid

TOKEN = "hf_local_test_token_123456"


@pytest.fixture(scope="module")
def hub():
    """The local server; while it runs, huggingface_hub may go online (CI sets HF_HUB_OFFLINE=1 globally)."""
    server, state = serve(TOKEN)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(constants, "HF_HUB_OFFLINE", False)
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory):
    """A finished two-run benchmark folder (tiny model, fixture corpora)."""
    root = tmp_path_factory.mktemp("bench")
    common = tiny_recipe(root)
    (root / "combined.yaml").write_text(common + "corpora: [ravdess=ravdess, cremad=cremad]\n")
    (root / "single.yaml").write_text(common + "corpora: [cremad=cremad]\n")
    (root / "grid.yaml").write_text(
        "runs:\n  - {name: combined_4emo, config: combined.yaml, setup: '4', column: UN}\n"
        "  - {name: cremad_4emo, config: single.yaml, setup: '4', column: Tr.Sep}\n"
    )
    run_grid(root / "grid.yaml", root / "results")
    return root / "results"


def push(endpoint: str, *args: str, token: str | None = TOKEN, home: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(home),
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
    }
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    return subprocess.run(
        [sys.executable, str(RECIPES / "push_to_hub.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


LOAD = BLOCK_WHISPER_SER + textwrap.dedent(
    """
    import sys, json
    import numpy as np, torch
    from transformers import AutoFeatureExtractor, AutoModel, pipeline
    model = AutoModel.from_pretrained(sys.argv[1], trust_remote_code=True).eval()
    extractor = AutoFeatureExtractor.from_pretrained(sys.argv[1], trust_remote_code=True)
    clip = np.load(sys.argv[2])
    with torch.no_grad():
        logits = model(**extractor(clip, sampling_rate=16000, return_tensors="pt")).logits[0].tolist()
    top = pipeline("audio-classification", model=sys.argv[1], trust_remote_code=True)(clip)[0]["label"]
    print(json.dumps({"logits": logits, "top": top}))
    """
)


def test_model_push_then_load_from_the_hub_in_a_fresh_process(hub, benchmark, tmp_path):
    endpoint, state = hub
    run = benchmark / "combined_4emo"
    before = sorted(p.name for p in run.rglob("*"))
    result = push(endpoint, "--run", str(run), "--repo-id", "org/whisper-ser-4emo", home=tmp_path / "push")
    assert result.returncode == 0, result.stderr[-3000:]
    assert TOKEN not in result.stdout + result.stderr
    assert sorted(p.name for p in run.rglob("*")) == before  # the run folder is untouched

    files = {f.path for f in HfApi(endpoint=endpoint, token=TOKEN).list_repo_tree("org/whisper-ser-4emo")}
    assert {
        "model.safetensors",
        "config.json",
        "modeling_whisper_emotion.py",
        "configuration_whisper_emotion.py",
        "feature_extraction_whisper_emotion.py",
        "preprocessor_config.json",
        "README.md",
        "splits.json",
        "metrics.json",
        "confusion_ravdess.png",
        "tsne.png",
    } <= files
    for name in files:
        text = hf_hub_download("org/whisper-ser-4emo", name, endpoint=endpoint, cache_dir=tmp_path / "c")
        assert TOKEN.encode() not in Path(text).read_bytes()
    assert "data_dirs" not in json.loads(
        Path(
            hf_hub_download("org/whisper-ser-4emo", "metrics.json", endpoint=endpoint, cache_dir=tmp_path / "c")
        ).read_text()
    )

    clip = noise(2.0, seed=9)
    np.save(tmp_path / "clip.npy", clip)
    env = {
        **os.environ,
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(tmp_path / "fresh"),
        "HF_HUB_OFFLINE": "0",
        "PYTHONPATH": "",
        "HF_TOKEN": TOKEN,
        "HF_HUB_DISABLE_XET": "1",
    }
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD, "org/whisper-ser-4emo", str(tmp_path / "clip.npy")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    remote = json.loads(loaded.stdout.strip().splitlines()[-1])
    model = WhisperForEmotionClassification.from_pretrained(run / "model").eval()
    with torch.no_grad():
        local = model(**WhisperEmotionFeatureExtractor()(clip, sampling_rate=16000, return_tensors="pt")).logits[0]
    np.testing.assert_array_equal(np.asarray(remote["logits"], dtype=np.float32), local.numpy())
    assert remote["top"] == model.config.id2label[int(local.argmax())]


def test_model_card_round_trip(hub, benchmark, tmp_path):
    endpoint, _ = hub
    run = benchmark / "cremad_4emo"
    assert (
        push(
            endpoint,
            "--run",
            str(run),
            "--repo-id",
            "org/cremad-4emo",
            "--private",
            "--revision",
            "v1",
            home=tmp_path / "h",
        ).returncode
        == 0
    )
    card_file = hf_hub_download(
        "org/cremad-4emo", "README.md", revision="v1", endpoint=endpoint, token=TOKEN, cache_dir=tmp_path / "c"
    )
    card = ModelCard.load(card_file)
    metrics = json.loads((run / "metrics.json").read_text())
    assert card.data.pipeline_tag == "audio-classification" and card.data.library_name == "transformers"
    assert {"audio-classification", "speech-emotion-recognition"} <= set(card.data.tags)
    results = {(r.dataset_type, r.metric_type): r.metric_value for r in card.data.eval_results}
    assert results == {
        ("cremad", m): round(metrics["test"]["cremad"][m], 4) for m in ("accuracy", "unweighted_accuracy", "macro_f1")
    }
    assert all(0 <= v <= 1 for v in results.values())
    assert "cremad/" in card.text and "| **mean** |" in card.text and "acted" in card.text
    assert ModelCard(str(card)).data.to_dict() == card.data.to_dict()  # metadata survives a second round trip
    with pytest.raises(Exception, match="404|not found|Repository"):  # private: invisible without the token
        hf_hub_download(
            "org/cremad-4emo", "README.md", revision="v1", endpoint=endpoint, token=False, cache_dir=tmp_path / "c2"
        )


def test_benchmark_push_has_no_audio_by_default(hub, benchmark, tmp_path):
    endpoint, _ = hub
    result = push(endpoint, "--benchmark", str(benchmark), "--repo-id", "org/ser-benchmark", home=tmp_path / "h")
    assert result.returncode == 0, result.stderr[-3000:]
    api = HfApi(endpoint=endpoint, token=TOKEN)
    files = {f.path for f in api.list_repo_tree("org/ser-benchmark", repo_type="dataset", recursive=True)}
    assert {
        "README.md",
        "utterances.parquet",
        "results.parquet",
        "table3.md",
        "table3.csv",
        "manifests/combined_4emo.json",
        "manifests/cremad_4emo.json",
    } <= files
    assert not any(f.startswith("audio/") for f in files)

    def get(name: str) -> str:
        return hf_hub_download(
            "org/ser-benchmark", name, repo_type="dataset", endpoint=endpoint, cache_dir=tmp_path / "c"
        )

    utterances = datasets.Dataset.from_parquet(get("utterances.parquet"))
    assert set(utterances.column_names) == {"run", "id", "corpus", "speaker", "emotion", "duration", "fold", "role"}
    manifest = json.loads(Path(get("manifests/combined_4emo.json")).read_text())
    combined = utterances.filter(lambda r: r == "combined_4emo", input_columns="run")
    assert sorted(set(combined["fold"])) == list(range(len(manifest["folds"])))  # every fold of the manifest
    fold0 = combined.filter(lambda fold, role: fold == 0 and role == "test", input_columns=["fold", "role"])
    assert sorted(fold0["id"]) == manifest["test"]
    card = DatasetCard.load(get("README.md"))
    assert card.data.task_categories == ["audio-classification"] and "biometric" in card.text


def test_benchmark_audio_only_where_the_licence_allows(hub, benchmark, tmp_path):
    endpoint, _ = hub
    result = push(
        endpoint, "--benchmark", str(benchmark), "--repo-id", "org/ser-audio", "--with-audio", home=tmp_path / "h"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    files = {
        f.path
        for f in HfApi(endpoint=endpoint, token=TOKEN).list_repo_tree(
            "org/ser-audio", repo_type="dataset", recursive=True
        )
    }
    audio = {f for f in files if f.startswith("audio/")}
    assert audio and {f.split("/")[1] for f in audio} == {"ravdess", "cremad"}  # both licences allow it


@pytest.mark.parametrize(("args", "token", "message"), [
    (["--run", "{missing}", "--repo-id", "org/x"], TOKEN, "missing metrics.json"),
    (["--run", "{run}", "--repo-id", "org/bad name!"], TOKEN, "Invalid repo id"),
    (["--run", "{run}", "--repo-id", "noslash"], TOKEN, "needs a namespace"),
    (["--run", "{run}", "--repo-id", "org/x"], None, "No Hugging Face token"),
    (["--benchmark", "{missing}", "--repo-id", "org/x"], TOKEN, "missing table3.csv"),
])  # fmt: skip
def test_bad_input_fails_before_any_request(hub, benchmark, tmp_path, args, token, message):
    endpoint, state = hub
    state.requests.clear()
    (tmp_path / "missing").mkdir()
    filled = [a.format(run=benchmark / "combined_4emo", missing=tmp_path / "missing") for a in args]
    result = push(endpoint, *filled, token=token, home=tmp_path / "h")
    assert result.returncode != 0 and message in result.stderr
    assert state.requests == []


def test_failed_upload_leaves_nothing_behind(hub, benchmark, tmp_path):
    endpoint, state = hub
    run = benchmark / "combined_4emo"
    before = sorted(p.name for p in run.rglob("*"))
    staged_before = set(Path(tempfile.gettempdir()).glob("whisper-ser-push-*"))
    state.fail_commits = True
    try:
        result = push(endpoint, "--run", str(run), "--repo-id", "org/failing", home=tmp_path / "h")
    finally:
        state.fail_commits = False
    assert result.returncode != 0 and "500" in result.stderr
    assert sorted(p.name for p in run.rglob("*")) == before
    assert set(Path(tempfile.gettempdir()).glob("whisper-ser-push-*")) == staged_before


def test_space_push_uploads_the_same_app_file(hub, benchmark, tmp_path):
    endpoint, _ = hub
    result = push(
        endpoint,
        "--space",
        "--run",
        str(benchmark / "combined_4emo"),
        "--repo-id",
        "org/ser-demo",
        home=tmp_path / "h",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    files = {
        f.path
        for f in HfApi(endpoint=endpoint, token=TOKEN).list_repo_tree(
            "org/ser-demo", repo_type="space", recursive=True
        )
    }
    assert {
        "app.py",
        "requirements.txt",
        "README.md",
        "metrics.json",
        "model/model.safetensors",
        "model/modeling_whisper_emotion.py",
    } <= files

    def get(name: str) -> Path:
        return Path(
            hf_hub_download("org/ser-demo", name, repo_type="space", endpoint=endpoint, cache_dir=tmp_path / "c")
        )

    assert get("app.py").read_bytes() == (PACKAGE / "app.py").read_bytes()
    card = ModelCard.load(get("README.md"))
    assert card.data.sdk == "gradio" and card.data.app_file == "app.py"
    assert "gradio" in get("requirements.txt").read_text() and "whisper" not in get("requirements.txt").read_text()
