"""`accelerate launch` with 2 CPU processes, resume after a kill, and learning with the real tiny.en."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

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


def test_two_cpu_processes_train_one_model(setup, tmp_path):
    root, config = setup
    output = tmp_path / "ddp"
    # `--cpu` alone spawns one process unless MPI is set up; torchrun's launcher with `use_cpu` runs gloo DDP
    process = launch(
        ["--multi_gpu", "--num_processes", "2", str(RECIPE), "--config", str(config), "--output_dir", str(output)]
    )
    log, _ = process.communicate(timeout=600)
    assert process.returncode == 0, log[-4000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["world_size"] == 2
    checkpoints = list((output / "fold_0").glob("checkpoint-*"))
    assert len(checkpoints) == 1  # save_total_limit: 1, written once (by the main process)
    fold = json.loads((output / "fold_0" / "fold_result.json").read_text())
    train_clips = sum(fold["balance_counts"].values())
    steps_per_epoch = math.ceil(train_clips / (4 * 2))  # both ranks consume their half of every epoch
    assert fold["global_step"] == 4 * steps_per_epoch
    assert (output / "model" / "model.safetensors").is_file()


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
