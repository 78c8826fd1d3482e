"""Intervals and paired comparisons: the metrics agree with the evaluate module (scikit-learn), intervals
bracket the estimate and shrink with more clips, a paired test finds a planted difference and not a null one;
eGeMAPS features come from openSMILE."""

import evaluate
import numpy as np
import pytest

from tests.conftest import noise
from whisper_ser import SER_METRICS_PATH
from whisper_ser.recipes.baselines import egemaps_features
from whisper_ser.recipes.statistics import confusion, intervals, paired_difference, scores_from_confusion


def predictions(labels: np.ndarray, accuracy: float, rng: np.random.Generator, classes: int = 4) -> np.ndarray:
    wrong = (labels + rng.integers(1, classes, labels.size)) % classes
    return np.where(rng.random(labels.size) < accuracy, labels, wrong)


def test_fast_metrics_equal_the_metrics_module():
    metric = evaluate.load(SER_METRICS_PATH)
    rng = np.random.default_rng(0)
    for trial in range(5):
        labels = rng.integers(0, 3 + trial % 2, 50)  # class 4 sometimes absent, sometimes only predicted
        guess = rng.integers(0, 5, 50)
        expected = metric.compute(predictions=guess.tolist(), references=labels.tolist(), num_labels=5)
        ours = scores_from_confusion(confusion(labels, guess, 5))
        assert ours == pytest.approx([expected[m] for m in ("accuracy", "unweighted_accuracy", "macro_f1")])


def test_intervals_bracket_the_estimate_and_shrink_with_more_clips():
    rng = np.random.default_rng(1)
    widths = []
    for n in (60, 600):
        labels = rng.integers(0, 4, n)
        folds = [predictions(labels, 0.7, rng) for _ in range(2)]
        ci = intervals(labels, folds, np.zeros(n), 4, seed=0)
        point = np.mean([scores_from_confusion(confusion(labels, f, 4)) for f in folds], 0)
        for value, name in zip(point, ("accuracy", "unweighted_accuracy", "macro_f1"), strict=True):
            low, high = ci[f"{name}_ci"]
            assert low <= value <= high, name
        widths.append(ci["accuracy_ci"][1] - ci["accuracy_ci"][0])
    assert widths[1] < widths[0] / 2  # about 1/sqrt(10) as wide


def test_speakers_are_resampled_as_clusters():
    """Two speakers, one recognised perfectly and one at chance: resampling speakers (the honest unit) gives a
    much wider interval than resampling clips as if they were independent."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 4, 400)
    speaker = np.repeat(["a", "b"], 200)
    guess = np.where(speaker == "a", labels, rng.integers(0, 4, 400))
    by_speaker = intervals(labels, [guess], speaker, 4)["accuracy_ci"]
    by_clip = intervals(labels, [guess], np.zeros(400), 4)["accuracy_ci"]
    assert by_speaker[1] - by_speaker[0] > 3 * (by_clip[1] - by_clip[0])


def test_paired_test_finds_a_planted_difference_and_not_a_null_one():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, 300)
    base = predictions(labels, 0.6, rng)
    better = base.copy()
    wrong = np.flatnonzero(better != labels)
    better[wrong[: len(wrong) // 2]] = labels[wrong[: len(wrong) // 2]]  # fixes half the errors: +~20 points
    planted = paired_difference(labels, [base], [better], np.zeros(300), 4)["accuracy"]
    assert planted["difference"] == pytest.approx((better == labels).mean() - (base == labels).mean())
    assert planted["ci"][0] > 0 and planted["p_value"] < 0.01
    same_rate = base.copy()  # as many errors, on other clips: 30 right ones made wrong, 30 wrong ones right
    right, wrong = np.flatnonzero(base == labels)[:30], np.flatnonzero(base != labels)[:30]
    same_rate[right], same_rate[wrong] = (labels[right] + 1) % 4, labels[wrong]
    null = paired_difference(labels, [base], [same_rate], np.zeros(300), 4)["accuracy"]
    assert null["difference"] == 0.0
    assert null["ci"][0] < 0 < null["ci"][1] and null["p_value"] > 0.05
    assert paired_difference(labels, [base], [base], np.zeros(300), 4)["accuracy"]["p_value"] == 1.0


def test_egemaps_features_are_opensmiles_88_functionals():
    import opensmile

    clip = noise(2.0, seed=5)
    features = egemaps_features([clip, noise(3.0, seed=6)])
    assert features.shape == (2, 88) and np.isfinite(features).all()
    smile = opensmile.Smile(opensmile.FeatureSet.eGeMAPSv02, opensmile.FeatureLevel.Functionals)
    np.testing.assert_allclose(features[0], smile.process_signal(clip, 16000).to_numpy()[0])
