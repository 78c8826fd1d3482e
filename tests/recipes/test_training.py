"""Recipe arguments, metrics, fold averaging and a tiny end-to-end run on fixture corpora."""

import json

import evaluate
import numpy as np
import pytest
import torch
from transformers import (
    AutoFeatureExtractor,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForConditionalGeneration,
    pipeline,
)

from tests.conftest import TINY_WHISPER, noise
from tests.fixtures.corpora import make_cremad, make_ravdess, write_wav
from whisper_ser import SER_METRICS_PATH
from whisper_ser.data.protocol import load_manifest
from whisper_ser.hub_cards import model_card
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification
from whisper_ser.recipes.arguments import ModelArguments, SERArgumentParser, feature_device
from whisper_ser.recipes.results import CorpusScores, RunResult
from whisper_ser.recipes.train_combined import main as train_combined
from whisper_ser.recipes.training import SERCollator, average_folds, run_extractor


def test_yaml_config_with_cli_overrides(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(
        "model_name_or_path: bundled:tiny.en\ncorpora: [ravdess=RAVDESS, cremad=/abs/CREMA-D]\n"
        "data_root: /data\nview: '5'\nbalance: smote\nlearning_rate: 3.0e-5\nseed: 7\n"
        "augment_probability: 0.5\noutput_dir: out\n"
    )
    model, data, augment, training = SERArgumentParser().parse(["--config", str(config), "--seed", "9", "--view", "N"])
    assert model.model_name_or_path == "bundled:tiny.en" and model.classifier_hidden_sizes == [4096, 2048, 1024, 512]
    assert [(s.name, str(s.data_dir)) for s in data.specs] == [
        ("ravdess", "/data/RAVDESS"),
        ("cremad", "/abs/CREMA-D"),
    ]
    assert (data.view, data.balance, augment.augment_probability) == ("N", "smote", 0.5)
    assert (training.learning_rate, training.seed, training.lr_scheduler_type) == (3e-5, 9, "constant")
    config.write_text("corpora: [ravdess=x]\nlearning_rat: 1.0\n")
    with pytest.raises(ValueError, match=r"unknown keys \['learning_rat'\]"):
        SERArgumentParser().parse(["--config", str(config)])
    config.write_text("corpora: [ravdes=x]\n")
    with pytest.raises(ValueError, match="expected `name=folder`"):
        SERArgumentParser().parse(["--config", str(config)])
    config.write_text("corpora: [ravdess=x]\nbalance: mixup\n")
    with pytest.raises(ValueError, match="`balance` must be one of"):
        SERArgumentParser().parse(["--config", str(config)])


def test_metrics_match_hand_computed_values():
    metric = evaluate.load(SER_METRICS_PATH)
    # classes 0..2; truth 0,0,0,1,1,2 ; predicted 0,0,1,1,1,0
    result = metric.compute(predictions=[0, 0, 1, 1, 1, 0], references=[0, 0, 0, 1, 1, 2], num_labels=4)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["unweighted_accuracy"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    f1 = [2 * (2 / 3) * (2 / 3) / (4 / 3), 2 * (2 / 3) * 1 / (5 / 3), 0.0]
    assert result["macro_f1"] == pytest.approx(np.mean(f1))
    assert result["confusion_matrix"] == [[2, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]


def fold_scores(accuracy: float, n: int, matrix: list[list[int]]) -> dict[str, CorpusScores]:
    return {"ravdess": CorpusScores(accuracy, accuracy, accuracy, n, matrix)}


def test_fold_average_is_weighted_and_matrices_add_up():
    averaged = average_folds([fold_scores(0.5, 10, [[1, 0], [0, 1]]), fold_scores(1.0, 30, [[2, 0], [0, 2]])])
    assert averaged["ravdess"].accuracy == pytest.approx((0.5 * 10 + 1.0 * 30) / 40)
    assert averaged["ravdess"].confusion_matrix == [[3, 0], [0, 3]] and averaged["ravdess"].folds == 2


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-whisper")
    torch.manual_seed(0)
    WhisperForConditionalGeneration(WhisperConfig(**TINY_WHISPER)).save_pretrained(path)
    WhisperEmotionFeatureExtractor().save_pretrained(path)
    return path


def tiny_run_args(tmp_path, checkpoint, corpora_root, extra=()) -> list[str]:
    return [
        "--model_name_or_path",
        str(checkpoint),
        "--classifier_hidden_sizes",
        "16",
        "8",
        "--corpora",
        "ravdess=ravdess",
        "cremad=cremad",
        "--data_root",
        str(corpora_root),
        "--corpus_cache_dir",
        str(tmp_path / "cache"),
        "--min_duration",
        "0",
        "--view",
        "4",
        "--folds",
        "0",
        "1",
        "--balance",
        "random_oversample",
        "--num_train_epochs",
        "1",
        "--per_device_train_batch_size",
        "4",
        "--per_device_eval_batch_size",
        "8",
        "--learning_rate",
        "1e-4",
        "--output_dir",
        str(tmp_path / "run"),
        "--use_cpu",
        "--seed",
        "3",
        "--disable_tqdm",
        "true",
        "--dataloader_num_workers",
        "0",
        *extra,
    ]


@pytest.fixture(scope="module")
def corpora_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpora")
    make_ravdess(root / "ravdess", actors=6)
    make_cremad(root / "cremad", actors=4)
    return root


def test_tiny_end_to_end_run(tmp_path, tiny_checkpoint, corpora_root):
    metrics = train_combined(tiny_run_args(tmp_path, tiny_checkpoint, corpora_root))
    run = tmp_path / "run"
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["classes"] == ["neutral", "angry", "happy", "sad"] and saved["balance"] == "random_oversample"
    assert [f["fold"] for f in saved["folds"]] == [0, 1] and set(saved["test"]) == {"ravdess", "cremad"}
    for corpus, entry in saved["test"].items():
        expected = np.mean([f["test"][corpus]["accuracy"] for f in saved["folds"]])
        assert entry["accuracy"] == pytest.approx(expected) and entry["folds"] == 2
        assert np.sum(entry["confusion_matrix"]) == 2 * entry["n"]
        assert entry["accuracy_ci"][0] <= entry["accuracy"] <= entry["accuracy_ci"][1]
        assert entry["macro_f1_ci"][0] <= entry["macro_f1"] <= entry["macro_f1_ci"][1]
    clips = saved["folds"][0]["clips"]
    assert sorted(clips["id"]) == sorted(load_manifest(run / "splits.json").test)  # every test clip, per fold
    assert saved["mean"]["accuracy"] == pytest.approx(np.mean([v["accuracy"] for v in saved["test"].values()]))
    assert metrics.to_dict()["test"] == saved["test"]
    plan = load_manifest(run / "splits.json")
    assert {s for c in saved["test_speakers"].values() for s in c} == {
        s for c in plan.corpora.values() for s in c["test_speakers"]
    }
    counts = saved["folds"][0]["balance_counts"]
    assert len(set(counts.values())) == 1  # oversampled to the largest class
    embeddings = np.load(run / "embeddings.npz")
    assert embeddings["embeddings"].shape[1] == 16 and (embeddings["role"] == "test").sum() == len(plan.test)
    assert set(embeddings["corpus"]) == {"ravdess", "cremad"}
    clf = pipeline("audio-classification", model=str(run / "model"), trust_remote_code=True)
    scores = clf(noise(1.0), sampling_rate=16000, top_k=None)
    assert {s["label"] for s in scores} == {"neutral", "angry", "happy", "sad"}
    # a finished run is resumable: nothing is retrained
    before = (run / "fold_0" / "fold_result.json").stat().st_mtime
    train_combined(tiny_run_args(tmp_path, tiny_checkpoint, corpora_root))
    assert (run / "fold_0" / "fold_result.json").stat().st_mtime == before


def test_a_csv_corpus_trains_beside_a_built_in_one(tmp_path, tiny_checkpoint, corpora_root):
    own = tmp_path / "mydata"
    lines = ["path,emotion,speaker"]
    for speaker in ("ann", "bob", "cid", "dee"):
        for i, emotion in enumerate(("anger", "joy", "neutral", "sadness")):
            write_wav(own / speaker / f"{i}.wav", 22050, seed=i, seconds=0.6)
            lines.append(f"{speaker}/{i}.wav,{emotion},{speaker}")
    (own / "metadata.csv").write_text("\n".join(lines) + "\n")
    args = tiny_run_args(tmp_path, tiny_checkpoint, corpora_root, ["--folds", "0"])
    args[args.index("cremad=cremad")] = f"mydata={own / 'metadata.csv'}"
    train_combined(args)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(saved["test"]) == {"ravdess", "mydata"} and saved["test"]["mydata"]["n"] == 4
    assert saved["classes"] == ["neutral", "angry", "happy", "sad"]
    assert len(saved["test_speakers"]["mydata"]) == 1
    card = str(model_card(RunResult.load(tmp_path / "run"), "me/ser", images=[]))
    assert "name: mydata (held-out speakers)" in card and "| mydata | mydata/" in card
    assert "padding masked out (no 30-s padding)" in card and "# padding-free batches" in card


def test_frame_budget_batches_train(tmp_path, tiny_checkpoint, corpora_root):
    args = tiny_run_args(tmp_path, tiny_checkpoint, corpora_root, ["--folds", "0", "--frame_budget", "3000"])
    train_combined(args)
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    clips = sum(saved["folds"][0]["balance_counts"].values())  # 0.5-s clips: 50 frames, 60 per 3000-frame batch
    assert saved["folds"][0]["global_step"] == -(-clips // 60)
    with pytest.raises(ValueError, match=r"`frame_budget` \(200\) must hold at least one 30-s clip"):
        SERArgumentParser().parse(["--corpora", "ravdess=x", "--output_dir", str(tmp_path), "--frame_budget", "200"])
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="`feature_device: cuda` but no CUDA device"):
            SERArgumentParser().parse(
                ["--corpora", "ravdess=x", "--output_dir", str(tmp_path), "--feature_device", "cuda"]
            )


def test_feature_device_is_the_training_process_own_gpu():
    assert feature_device("cuda", torch.device("cuda", 1)) == "cuda:1"  # DDP rank 1 extracts on its own GPU
    assert feature_device("auto", torch.device("cuda", 1)) == ("cuda:1" if torch.cuda.is_available() else "cpu")
    assert feature_device("cuda", torch.device("cpu")) == "cuda"
    assert feature_device("cpu", torch.device("cuda", 1)) == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_features_on_the_gpu_train_as_features_on_the_cpu(tmp_path, tiny_checkpoint, corpora_root):
    """`feature_device: cuda`: loader workers batch waveforms, each step extracts their features on the GPU, and
    the run matches the same run with CPU features."""
    runs = {}
    for device, workers in (("cpu", "0"), ("cuda", "2")):
        args = tiny_run_args(tmp_path / device, tiny_checkpoint, corpora_root, ["--folds", "0"])
        args.remove("--use_cpu")
        args[args.index("--dataloader_num_workers") + 1] = workers
        train_combined([*args, "--feature_device", device])
        runs[device] = json.loads((tmp_path / device / "run" / "metrics.json").read_text())["folds"][0]
    assert runs["cuda"]["validation"]["eval_loss"] == pytest.approx(runs["cpu"]["validation"]["eval_loss"], rel=1e-3)
    assert runs["cuda"]["clips"] == runs["cpu"]["clips"]


def test_stock_30s_padding_gives_stock_whisper_input_from_training_to_the_pipeline(
    tmp_path, tiny_checkpoint, corpora_root
):
    """`feature_padding: stock_30s` feeds the model what transformers' own `WhisperFeatureExtractor` gives (the
    audio zero-padded to 30 s, no mask) in training and scoring, and the saved model serves the same input."""
    clips = [noise(0.7, seed=1), noise(1.3, seed=2)]
    stock = WhisperFeatureExtractor.from_pretrained(tiny_checkpoint, return_attention_mask=False)
    expected = stock(clips, sampling_rate=16000, return_tensors="pt")
    assert set(expected) == {"input_features"} and expected["input_features"].shape == (2, 80, 3000)
    collator = SERCollator(*run_extractor(ModelArguments(str(tiny_checkpoint), feature_padding="stock_30s")))
    batch = collator([{"waveform": clip, "label": i} for i, clip in enumerate(clips)])
    assert set(batch) == {"input_features", "labels"}
    torch.testing.assert_close(batch["input_features"], expected["input_features"], rtol=0, atol=0)

    train_combined(
        tiny_run_args(tmp_path, tiny_checkpoint, corpora_root, ["--folds", "0", "--feature_padding", "stock_30s"])
    )
    run = tmp_path / "run"
    assert json.loads((run / "run_config.json").read_text())["config"]["model.feature_padding"] == "stock_30s"
    assert type(AutoFeatureExtractor.from_pretrained(run / "model")) is WhisperFeatureExtractor
    card = str(model_card(RunResult.load(run), "me/ser", images=[]))
    assert "every clip zero-padded to 30 s" in card and "# every clip padded to 30 s" in card
    model = WhisperForEmotionClassification.from_pretrained(run / "model").eval()
    with torch.no_grad():
        stock_out = model(**expected)
        free = model(**WhisperEmotionFeatureExtractor()(clips, sampling_rate=16000, return_tensors="pt"))
    assert not torch.allclose(stock_out.embeddings, free.embeddings, atol=1e-3)  # the model sees the padding
    clf = pipeline("audio-classification", model=str(run / "model"), trust_remote_code=True)
    seen = []
    clf.model.register_forward_pre_hook(lambda _m, _a, kwargs: seen.append(kwargs), with_kwargs=True)
    for batch_size in (1, 2):
        seen.clear()
        served = clf([{"raw": clip, "sampling_rate": 16000} for clip in clips], top_k=None, batch_size=batch_size)
        inputs = torch.cat([kwargs["input_features"] for kwargs in seen])
        assert all(kwargs.get("attention_mask") is None for kwargs in seen), batch_size
        torch.testing.assert_close(inputs, expected["input_features"], rtol=0, atol=0, msg=str(batch_size))
        for scores, logits in zip(served, stock_out.logits, strict=True):
            want = {model.config.id2label[i]: float(p) for i, p in enumerate(logits.softmax(-1))}
            assert {s["label"]: s["score"] for s in scores} == pytest.approx(want, abs=1e-6), batch_size

    parse = ["--corpora", "ravdess=x", "--output_dir", str(tmp_path)]
    with pytest.raises(ValueError, match="`feature_padding` must be one of"):
        SERArgumentParser().parse([*parse, "--feature_padding", "max_length"])
    with pytest.raises(ValueError, match="with `feature_padding: stock_30s` every clip costs 3000"):
        SERArgumentParser().parse([*parse, "--feature_padding", "stock_30s", "--frame_budget", "6000"])


def test_cross_corpus_rows_take_the_trained_label_space():
    import datasets

    from whisper_ser.recipes.training import _in_label_space

    rows = datasets.Dataset.from_dict({"id": ["a", "b", "c", "d"], "label": [0, 1, 2, 1]}).cast_column(
        "label", datasets.ClassLabel(names=["neutral", "angry", "happy"])
    )
    mapped = _in_label_space(rows, ["angry", "neutral"], "ravdess")
    assert mapped.features["label"].names == ["angry", "neutral"] and mapped["label"] == [1, 0, 0]
    assert mapped["id"] == ["a", "b", "d"]
