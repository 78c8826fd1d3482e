"""How sure each number is: percentile bootstrap intervals (`scipy.stats.bootstrap`) of WA, UA and macro-F1 over
a corpus' held-out clips, resampling speakers when there are several (clips are not independent within a
speaker), else clips; and paired bootstrap comparisons of two runs scored on the same clips."""

import numpy as np
from scipy.stats import bootstrap

from whisper_ser.recipes.results import METRICS, FoldResult, HeldOutClips

CONFIDENCE = 0.95
RESAMPLES = 2000


def confusion(labels: np.ndarray, predictions: np.ndarray, num_labels: int) -> np.ndarray:
    """Rows true class, columns predicted."""
    return np.bincount(labels * num_labels + predictions, minlength=num_labels * num_labels).reshape(
        num_labels, num_labels
    )


def scores_from_confusion(matrix: np.ndarray) -> np.ndarray:
    """WA, UA and macro-F1 as the metrics module computes them: UA averages recall over the classes present in
    the references, macro-F1 over the classes in references or predictions."""
    support, predicted, hits = matrix.sum(1), matrix.sum(0), np.diag(matrix)
    present, seen = support > 0, (support + predicted) > 0
    accuracy = hits.sum() / matrix.sum()
    recall = hits[present] / support[present]
    f1 = 2 * hits[seen] / (support[seen] + predicted[seen])
    return np.array([accuracy, recall.mean(), f1.mean()])


def _groups(clusters: np.ndarray) -> list[np.ndarray] | None:
    """Clip indices per cluster (speaker); None when every clip is its own cluster (one speaker tested)."""
    names = np.unique(clusters)
    return None if len(names) < 2 else [np.flatnonzero(clusters == name) for name in names]


def _resampler(labels, folds, groups, num_labels):
    """statistic(chosen) -> fold-averaged [WA, UA, macro-F1] of the chosen clusters' clips."""

    def statistic(chosen):
        index = chosen if groups is None else np.concatenate([groups[g] for g in chosen])
        return np.mean([scores_from_confusion(confusion(labels[index], p[index], num_labels)) for p in folds], 0)

    return statistic


def _draw(statistic, units: int, seed: int):
    return bootstrap(
        (np.arange(units),),
        statistic,
        vectorized=False,
        n_resamples=RESAMPLES,
        confidence_level=CONFIDENCE,
        method="percentile",
        rng=np.random.default_rng(seed),
    )


def intervals(
    labels: np.ndarray, folds: list[np.ndarray], clusters: np.ndarray, num_labels: int, seed: int = 0
) -> dict[str, list[float]]:
    """`{metric}_ci: [low, high]` of the fold-averaged metrics over the same clips (`folds`: one prediction array
    per fold), resampling speakers (`clusters`) or, with a single speaker, clips."""
    labels, folds, groups = np.asarray(labels), [np.asarray(f) for f in folds], _groups(np.asarray(clusters))
    result = _draw(_resampler(labels, folds, groups, num_labels), len(labels) if groups is None else len(groups), seed)
    low, high = result.confidence_interval
    return {f"{name}_ci": [float(low[i]), float(high[i])] for i, name in enumerate(METRICS)}


def paired_difference(
    labels: np.ndarray,
    first: list[np.ndarray],
    second: list[np.ndarray],
    clusters: np.ndarray,
    num_labels: int,
    seed: int = 0,
) -> dict[str, dict[str, float | list[float]]]:
    """Per metric: `second - first` on the same clips, its bootstrap interval and a two-sided p-value (twice the
    share of resampled differences on the other side of zero), resampling both runs' clips together."""
    labels, groups = np.asarray(labels), _groups(np.asarray(clusters))
    a = _resampler(labels, [np.asarray(f) for f in first], groups, num_labels)
    b = _resampler(labels, [np.asarray(f) for f in second], groups, num_labels)
    result = _draw(lambda chosen: b(chosen) - a(chosen), len(labels) if groups is None else len(groups), seed)
    everything = np.arange(len(labels) if groups is None else len(groups))
    observed = b(everything) - a(everything)
    draws = result.bootstrap_distribution
    out = {}
    for i, name in enumerate(METRICS):
        tail = min(np.mean(draws[i] <= 0), np.mean(draws[i] >= 0))
        out[name] = {
            "difference": float(observed[i]),
            "ci": [float(result.confidence_interval.low[i]), float(result.confidence_interval.high[i])],
            "p_value": float(min(1.0, 2 * max(tail, 1 / (RESAMPLES + 1)))),
        }
    return out


def _by_corpus(clips: HeldOutClips, corpus: str) -> dict[str, int]:
    return {i: k for k, (i, c) in enumerate(zip(clips.id, clips.corpus, strict=True)) if c == corpus}


def held_out_arrays(folds: list[FoldResult], corpus: str) -> tuple[list[str], np.ndarray, np.ndarray, list]:
    """A corpus' test clips (ids sorted), their labels and speakers, and each fold's predictions of them."""
    rows = [_by_corpus(fold.clips, corpus) for fold in folds]
    ids = sorted(rows[0])
    if any(sorted(r) != ids for r in rows):
        raise ValueError(f"{corpus}: the folds scored different test clips.")
    first = folds[0].clips
    labels = np.array([first.label[rows[0][i]] for i in ids])
    speakers = np.array([first.speaker[rows[0][i]] for i in ids])
    predictions = [np.array([f.clips.prediction[r[i]] for i in ids]) for f, r in zip(folds, rows, strict=True)]
    return ids, labels, speakers, predictions


def corpus_intervals(folds: list[FoldResult], num_labels: int, seed: int = 0) -> dict[str, dict[str, list[float]]]:
    """Per corpus of the folds' test clips: the intervals of its fold-averaged metrics."""
    out = {}
    for corpus in sorted(set(folds[0].clips.corpus)):
        _, labels, speakers, predictions = held_out_arrays(folds, corpus)
        out[corpus] = intervals(labels, predictions, speakers, num_labels, seed)
    return out
