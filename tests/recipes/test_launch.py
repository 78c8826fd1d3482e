"""`accelerate launch` with 2 CPU processes, resume after a kill, and learning with the real tiny.en."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.conftest import RECIPES, SOURCE, tiny_recipe
from whisper_ser.recipes.train_single import main as train_single

RECIPE = RECIPES / "train_combined.py"  # the installed script, as `accelerate launch` runs it


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("launch")
    config = root / "run.yaml"
    config.write_text(
        tiny_recipe(root, epochs=4, batch_size=4)
        + "corpora: [ravdess=ravdess, cremad=cremad]\nseed: 11\nlearning_rate: 1.0e-3\n"
    )
    return root, config


def launch(args: list[str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "accelerate.commands.launch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


STEPS = 3  # optimizer steps of 8 clips each: fold 0 of the fixture corpora trains on 3 full batches and more


def _logged(run: Path) -> list[dict]:
    """Per optimizer step: the logged training loss and gradient norm (from the fold's trainer state)."""
    state = json.loads(next((run / "fold_0").glob("checkpoint-*/trainer_state.json")).read_text())
    return [{"loss": e["loss"], "grad_norm": e["grad_norm"]} for e in state["log_history"] if "loss" in e]


def test_loss_gradients_and_weights_do_not_depend_on_how_the_batch_is_split(setup, tmp_path):
    """One process with batch 8, one with 2 accumulated batches of 4, and 2 gloo DDP processes with 4 each see
    the same 8 clips per optimizer step, so they must log the same losses and gradient norms and end with the
    same weights. The runs stop before an epoch's last, partial batch: accelerate pads an uneven last DDP batch
    with repeated clips, which a single process does not see."""
    _, config = setup
    common = ["--config", str(config), "--logging_steps", "1", "--max_steps", str(STEPS)]
    runs = {
        "batch8": ["--num_processes", "1", "--cpu", str(RECIPE), *common, "--per_device_train_batch_size", "8"],
        "accumulate2x4": ["--num_processes", "1", "--cpu", str(RECIPE), *common, "--gradient_accumulation_steps", "2"],
        "ddp2x4": ["--multi_gpu", "--num_processes", "2", str(RECIPE), *common],  # batch 4 per process (config)
    }
    for name, args in runs.items():
        process = launch([*args, "--output_dir", str(tmp_path / name)])
        log, _ = process.communicate(timeout=600)
        assert process.returncode == 0, log[-4000:]
    logged = {name: _logged(tmp_path / name) for name in runs}
    assert len(logged["batch8"]) == STEPS
    weights = {name: load_file(tmp_path / name / "model" / "model.safetensors") for name in runs}
    for name in ("accumulate2x4", "ddp2x4"):
        assert len(logged[name]) == len(logged["batch8"]), name
        for step, (got, expected) in enumerate(zip(logged[name], logged["batch8"], strict=True)):
            # float32 sums in another order: losses to 1e-5, gradient norms to 1e-4 (relative)
            assert got["loss"] == pytest.approx(expected["loss"], rel=1e-5, abs=1e-6), (name, step)
            assert got["grad_norm"] == pytest.approx(expected["grad_norm"], rel=1e-4), (name, step)
        for key, tensor in weights["batch8"].items():
            torch.testing.assert_close(weights[name][key], tensor, atol=1e-5, rtol=1e-4, msg=f"{name}: {key}")

    ddp = json.loads((tmp_path / "ddp2x4" / "metrics.json").read_text())
    assert ddp["world_size"] == 2
    assert len(list((tmp_path / "ddp2x4" / "fold_0").glob("checkpoint-*"))) == 1  # save_total_limit 1, rank 0
    fold = ddp["folds"][0]
    assert fold["global_step"] == STEPS and sum(fold["balance_counts"].values()) >= 8 * STEPS


def test_killed_run_resumes_with_the_same_metrics(setup, tmp_path):
    root, config = setup
    full = tmp_path / "full"
    finished = launch(
        ["--num_processes", "1", "--cpu", str(RECIPE), "--config", str(config), "--output_dir", str(full)]
    )
    log, _ = finished.communicate(timeout=600)
    assert finished.returncode == 0, log[-4000:]

    interrupted = tmp_path / "interrupted"
    process = launch(
        ["--num_processes", "1", "--cpu", str(RECIPE), "--config", str(config), "--output_dir", str(interrupted)],
        start_new_session=True,
    )
    deadline = time.time() + 300
    while not list((interrupted / "fold_0").glob("checkpoint-*/trainer_state.json")):
        assert process.poll() is None and time.time() < deadline, "no checkpoint before the run ended"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (interrupted / "metrics.json").exists()
    state = json.loads(next((interrupted / "fold_0").glob("checkpoint-*/trainer_state.json")).read_text())
    assert state["epoch"] < 4

    resumed = launch(
        ["--num_processes", "1", "--cpu", str(RECIPE), "--config", str(config), "--output_dir", str(interrupted)]
    )
    log, _ = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, log[-4000:]
    assert "Continuing training from checkpoint" in log or "resume" in log.lower()
    expected, actual = (json.loads((d / "metrics.json").read_text()) for d in (full, interrupted))
    assert actual["test"] == expected["test"]
    assert actual["folds"][0]["global_step"] == expected["folds"][0]["global_step"]
    assert actual["folds"][0]["validation"]["eval_loss"] == pytest.approx(
        expected["folds"][0]["validation"]["eval_loss"], rel=1e-5
    )
    weights = [load_file(d / "model" / "model.safetensors") for d in (full, interrupted)]
    for name, tensor in weights[0].items():
        torch.testing.assert_close(weights[1][name], tensor, atol=1e-6, rtol=1e-5, msg=name)


@pytest.mark.slow
def test_real_tiny_en_learns_emotions_of_unseen_voices(tiny_en, tmp_path):
    corpus = tmp_path / "demo"
    for actor in range(1, 9):
        shutil.copytree(SOURCE / "demo_corpus" / f"Actor_{actor:02d}", corpus / f"Actor_{actor:02d}")
    metrics = train_single(
        [
            "--config",
            str(RECIPES / "configs" / "demo.yaml"),
            "--model_name_or_path",
            str(tiny_en),
            "--corpora",
            f"ravdess={corpus}",
            "--corpus_cache_dir",
            str(tmp_path / "cache"),
            "--output_dir",
            str(tmp_path / "run"),
            "--num_train_epochs",
            "6",
            "--disable_tqdm",
            "true",
        ]
    )
    accuracy = metrics.test["ravdess"].accuracy
    assert metrics.classes == ["neutral", "angry", "happy", "sad", "surprised"]
    assert accuracy >= 0.7, metrics.test  # chance: 0.2 (5 balanced emotions, one unseen voice)
