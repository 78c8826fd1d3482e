"""Run folders that never lie: a record of the config, reuse only for the same config, refusal otherwise, no
deletion of files a run did not write, incomplete checkpoints skipped; config errors at parse time."""

import json
import logging as std_logging

import datasets
import numpy as np
import pytest

from tests.conftest import tiny_recipe
from whisper_ser.data.augment import AugmentConfig
from whisper_ser.data.balance import BalancePlan
from whisper_ser.data.waveforms import BalancedTrainingSet
from whisper_ser.recipes.arguments import SERArgumentParser
from whisper_ser.recipes.results import RESULT_FORMAT_VERSION, FoldResult, HeldOutClips, RunRecord, RunResult
from whisper_ser.recipes.run_folder import RUN_RECORD, last_complete_checkpoint
from whisper_ser.recipes.train_combined import main as train_combined
from whisper_ser.recipes.training import best_fold


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    root = tmp_path_factory.mktemp("run-folder")
    config = root / "run.yaml"
    config.write_text(tiny_recipe(root, epochs=1) + "corpora: [ravdess=ravdess, cremad=cremad]\nmax_steps: 2\n")
    return config


def run(config, output, *extra):
    return train_combined(["--config", str(config), "--output_dir", str(output), *extra])


def test_record_reuse_refusal_and_overwrite(recipe, tmp_path):
    output = tmp_path / "run"
    first = run(recipe, output)
    record = RunRecord.load(output / RUN_RECORD)
    assert record.config_hash == first.config_hash and record.code_version == first.code_version
    assert record.config["data.view"] == "4" and record.config["training.max_steps"] == 2
    assert {"fold_0", "model", "metrics.json", "splits.json"} <= set(record.files)
    assert RunResult.load(output).to_dict() == first.to_dict()  # typed round trip of metrics.json

    stamp = (output / "fold_0" / "fold_result.json").stat().st_mtime_ns
    assert run(recipe, output).to_dict()["test"] == first.to_dict()["test"]  # same config: the fold is reused
    assert (output / "fold_0" / "fold_result.json").stat().st_mtime_ns == stamp

    (output / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=rf"another config \(hash {record.config_hash}.*view: '4' -> '5'"):
        run(recipe, output, "--view", "5")
    assert RunResult.load(output).classes == ["neutral", "angry", "happy", "sad"]  # untouched

    again = run(recipe, output, "--view", "5", "--overwrite_output_dir", "true")
    assert again.classes == ["neutral", "angry", "happy", "sad", "surprised"]
    assert again.config_hash != record.config_hash
    assert RunResult.load(output).folds[0].config_hash == again.config_hash  # retrained, not reused
    assert (output / "notes.txt").read_text() == "mine"  # never written by a run: never removed


def test_outputs_without_a_record_are_refused_and_kept(recipe, tmp_path):
    output = tmp_path / "run"
    (output / "model").mkdir(parents=True)
    (output / "model" / "mine.bin").write_bytes(b"user data")
    with pytest.raises(ValueError, match=r"holds \['model'\] but no run record"):
        run(recipe, output, "--overwrite_output_dir", "true")
    assert (output / "model" / "mine.bin").read_bytes() == b"user data"


def test_a_checkpoint_killed_while_saving_is_skipped(recipe, tmp_path, caplog):
    output = tmp_path / "run"
    first = run(recipe, output, "--max_steps", "-1")  # whole epochs: a resumed run has nothing left to train
    fold = output / "fold_0"
    (complete,) = fold.glob("checkpoint-*")
    broken = fold / "checkpoint-99"
    broken.mkdir()
    (broken / "trainer_state.json").write_text('{"global_step": 9')  # truncated mid-write
    assert last_complete_checkpoint(fold) == str(complete)
    (fold / "fold_result.json").unlink()  # the fold must train (resume) again
    with caplog.at_level(std_logging.WARNING):
        result = run(recipe, output, "--max_steps", "-1")
    assert result.folds[0].global_step == first.folds[0].global_step
    assert result.to_dict()["test"] == first.to_dict()["test"]
    assert "checkpoint-99: incomplete checkpoint" in caplog.text


def fold(index: int, **validation) -> FoldResult:
    clips = HeldOutClips([], [], [], [], [])
    return FoldResult(index, {f"eval_{k}": v for k, v in validation.items()}, {}, 1, {}, {}, "h", clips)


def test_best_fold_follows_metric_for_best_model(tmp_path):
    folds = [fold(0, accuracy=0.9, loss=0.8, macro_f1=0.2), fold(1, accuracy=0.5, loss=0.3, macro_f1=0.6)]
    for metric, expected in (("accuracy", 0), ("loss", 1), ("macro_f1", 1)):
        args = SERArgumentParser().parse(
            ["--corpora", "ravdess=x", "--output_dir", str(tmp_path), "--metric_for_best_model", metric]
        )[3]
        assert best_fold(folds, args)[0].fold == expected, metric


def test_augment_copies_use_the_configured_ranges():
    config = AugmentConfig(
        augment_gain_db=[6.0, 6.0], augment_gain_p=1.0, augment_noise_p=0.0, augment_pitch_p=0.0,
        augment_time_stretch_p=0.0,
    )  # fmt: skip
    clip = (0.01 * np.sin(np.arange(16000) / 10)).astype(np.float32)
    rows = datasets.Dataset.from_dict({"waveform": [clip], "duration": [1.0]})
    plan = BalancePlan("augment", np.array([0, 0]), np.array([-1, -1]), np.zeros(2), np.array([False, True]),
                       np.array([0, 0]))  # fmt: skip
    training_set = BalancedTrainingSet(rows, plan, config)
    np.testing.assert_allclose(training_set[0]["waveform"], clip, rtol=1e-6)  # the original, as it is
    np.testing.assert_allclose(training_set[1]["waveform"], clip * 10 ** (6 / 20), rtol=1e-5)  # the added copy
    assert training_set.lengths == [100, 100]


BAD_VALUES = [
    ("view: '7'", r"`view` must be one of"),
    ("balance_representation: bogus", r"`balance_representation` must be one of"),
    ("folds: 0", r"`folds` must be list\[int\] \| None, got 0"),
    ("folds: []", r"`folds` must be a non-empty list"),
    ("num_train_epochs: [1, 2]", r"`num_train_epochs` must be float, got \[1, 2\]"),
    ("classifier_hidden_sizes: 512", r"`classifier_hidden_sizes` must be list\[int\], got 512"),
    ("max_duration: 40", r"max_duration <= 30 \(Whisper's window\)"),
    ("min_duration: 5\nmax_duration: 3", r"0 <= min_duration < max_duration"),
    ("learning_rate: fast", r"`learning_rate` must be float, got 'fast'"),
    ("view: [4", r"not valid YAML"),
    ("model_name_or_path: /nowhere/whisper", r"`model_name_or_path`: no folder '/nowhere/whisper'"),
    ("corpora: [ravdess=a, ravdess=b]", r"`corpora` names 'ravdess' twice"),
]


@pytest.mark.parametrize(("line", "message"), BAD_VALUES)
def test_config_errors_name_the_key_and_the_file_when_parsed(tmp_path, line, message):
    config = tmp_path / "bad.yaml"
    body = "corpora: [ravdess=/no/such/corpus]\n" if not line.startswith("corpora") else ""
    config.write_text(body + line + "\n")
    with pytest.raises((ValueError, FileNotFoundError), match=message) as error:
        SERArgumentParser().parse(["--config", str(config), "--output_dir", str(tmp_path / "out")])
    assert str(config) in str(error.value)


def test_run_record_is_written_atomically(tmp_path):
    record = RunRecord(config={"a": 1}, config_hash="h", code_version="0")
    record.save(tmp_path / RUN_RECORD)
    assert json.loads((tmp_path / RUN_RECORD).read_text())["format_version"] == RESULT_FORMAT_VERSION
    assert not list(tmp_path.glob("*.tmp"))
