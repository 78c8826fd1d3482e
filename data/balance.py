"""Class balancing of a training split with imbalanced-learn, without holding the waveforms in memory.

A `BalancePlan` lists, for every row of the balanced set, the training clip it comes from and, for SMOTE and
ADASYN, the same-class neighbour it is interpolated with and the neighbour's weight. imbalanced-learn chooses
everything (how many samples per class, which clips, which neighbours, the interpolation steps): it sees a
sparse one-hot matrix of clip indices while a `NearestNeighbors` subclass finds neighbours on a compact
per-clip representation, so every synthetic row it returns reads directly as `(1 - t) * e_i + t * e_j`.
The audio of a synthetic row, `(1 - t) * clip_i + t * clip_j` (the shorter zero-padded), is built when the
row is loaded. The paper interpolated raw waveforms: `representation="waveform"` does that (small sets only).
"""

from dataclasses import dataclass

import numpy as np
from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

METHODS = ("none", "downsample", "random_oversample", "smote", "adasyn", "augment")
INTERPOLATING = ("smote", "adasyn")
REPRESENTATIONS = ("logmel", "waveform")


class _FeatureNeighbors(NearestNeighbors):
    """Nearest neighbours on the clips' compact features, addressed by one-hot rows of clip indices."""

    def __init__(self, n_neighbors: int = 6, features: np.ndarray | None = None):
        super().__init__(n_neighbors=n_neighbors)
        self.features = features

    def _lookup(self, onehot):
        return self.features[sparse.csr_matrix(onehot).indices]

    def fit(self, X, y=None):
        return super().fit(self._lookup(X))

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        return super().kneighbors(None if X is None else self._lookup(X), n_neighbors, return_distance)

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        return super().kneighbors_graph(None if X is None else self._lookup(X), n_neighbors, mode)


@dataclass
class BalancePlan:
    """Rows of the balanced training set: `source` clip, interpolation `partner` (-1: none) and its `weight`,
    whether the row is an added copy to `augment`, and its `label`."""

    method: str
    source: np.ndarray
    partner: np.ndarray
    weight: np.ndarray
    augment: np.ndarray
    label: np.ndarray

    def counts(self) -> dict[int, int]:
        values, counts = np.unique(self.label, return_counts=True)
        return dict(zip(values.tolist(), counts.tolist(), strict=True))


def _decode_pairs(onehot: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each synthetic row is (1 - t) at clip i and t at clip j: recover (i, j, t)."""
    source, partner, weight = [], [], []
    for row in range(onehot.shape[0]):
        start, end = onehot.indptr[row], onehot.indptr[row + 1]
        columns, values = onehot.indices[start:end], onehot.data[start:end]
        order = np.argsort(-values, kind="stable")
        columns, values = columns[order], values[order]
        if len(columns) == 1 or values[1] == 0:
            source.append(columns[0]), partner.append(-1), weight.append(0.0)
        elif len(columns) == 2:
            source.append(columns[0]), partner.append(columns[1]), weight.append(float(values[1]))
        else:
            raise AssertionError(f"synthetic row {row} mixes {len(columns)} clips; expected at most 2")
    return np.asarray(source, dtype=np.int64), np.asarray(partner, dtype=np.int64), np.asarray(weight, dtype=float)


def plan_balance(
    labels,
    method: str = "none",
    seed: int = 0,
    features: np.ndarray | None = None,
    classes: int | None = None,
    k_neighbors: int = 5,
) -> BalancePlan:
    """Plan the balanced training set: `downsample` every class to the smallest; `random_oversample`,
    `augment`, `smote` and `adasyn` every class to the largest (as in the paper's Table 2).

    `features` (one row per clip; see `clip_features`) are needed by SMOTE and ADASYN only. `classes`: the
    number of classes of the view, to refuse a class with no training clip.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown balancing method {method!r}; expected one of {METHODS}.")
    labels = np.asarray(labels)
    if labels.size == 0:
        raise ValueError("Cannot balance an empty training set.")
    present = np.unique(labels)
    if method != "none" and classes is not None and len(present) < classes:
        missing = sorted(set(range(classes)) - set(present.tolist()))
        raise ValueError(f"Classes {missing} have no training clip: cannot balance (check the view and filters).")
    n = labels.size
    index = np.arange(n)
    no_partner, zeros = np.full(n, -1), np.zeros(n)
    if method == "none":
        return BalancePlan(method, index, no_partner, zeros, np.zeros(n, bool), labels)
    if method == "downsample":
        sampler = RandomUnderSampler(random_state=seed)
        sampler.fit_resample(index[:, None], labels)
        kept = np.sort(sampler.sample_indices_)
        return BalancePlan(
            method, kept, np.full(kept.size, -1), np.zeros(kept.size), np.zeros(kept.size, bool), labels[kept]
        )
    if method in ("random_oversample", "augment"):
        sampler = RandomOverSampler(random_state=seed)
        sampler.fit_resample(index[:, None], labels)
        rows = sampler.sample_indices_
        added = np.arange(rows.size) >= n  # imblearn appends the new rows after the originals
        return BalancePlan(
            method, rows, np.full(rows.size, -1), np.zeros(rows.size), added & (method == "augment"), labels[rows]
        )

    if features is None or len(features) != n:
        raise ValueError(f"{method} needs `features` with one row per training clip ({n}).")
    smallest = int(np.bincount(np.unique(labels, return_inverse=True)[1]).min())
    if smallest < 2:
        raise ValueError(f"{method} needs at least 2 clips in every class to find a neighbour; one class has 1.")
    neighbors = _FeatureNeighbors(
        n_neighbors=min(k_neighbors, smallest - 1) + 1, features=np.asarray(features, dtype=np.float64)
    )
    sampler_class = SMOTE if method == "smote" else ADASYN
    keyword = "k_neighbors" if method == "smote" else "n_neighbors"
    sampler = sampler_class(random_state=seed, **{keyword: neighbors})
    try:
        onehot, resampled_labels = sampler.fit_resample(sparse.identity(n, format="csr"), labels)
    except (ValueError, RuntimeError) as err:
        raise ValueError(f"{method} could not balance this training set: {err}") from err
    synthetic = sparse.csr_matrix(onehot)[n:]
    source, partner, weight = _decode_pairs(synthetic)
    return BalancePlan(
        method,
        np.concatenate([index, source]),
        np.concatenate([no_partner, partner]),
        np.concatenate([zeros, weight]),
        np.zeros(n + source.size, bool),
        np.asarray(resampled_labels),
    )


def mix(first: np.ndarray, second: np.ndarray, weight: float) -> np.ndarray:
    """`(1 - weight) * first + weight * second`, the shorter clip zero-padded to the longer."""
    length = max(first.size, second.size)
    out = np.zeros(length, dtype=np.float32)
    out[: first.size] += (1.0 - weight) * first
    out[: second.size] += weight * second
    return out


def clip_features(waveforms, representation: str = "logmel", sampling_rate: int = 16000) -> np.ndarray:
    """A compact row per clip for neighbour search: `logmel` (mean and std of 80 log-mel bands, 160 values)
    or `waveform` (the raw samples zero-padded to the longest clip: the paper's method, small sets only)."""
    if representation == "waveform":
        waveforms = list(waveforms)
        out = np.zeros((len(waveforms), max(w.size for w in waveforms)), dtype=np.float32)
        for i, wave in enumerate(waveforms):
            out[i, : wave.size] = wave
        return out
    if representation not in REPRESENTATIONS:
        raise ValueError(f"Unknown representation {representation!r}; expected one of {REPRESENTATIONS}.")
    from transformers import WhisperFeatureExtractor

    extractor = WhisperFeatureExtractor(sampling_rate=sampling_rate)
    rows = []
    for wave in waveforms:
        mel = extractor._torch_extract_fbank_features(np.asarray(wave, dtype=np.float32), "cpu")
        rows.append(np.concatenate([mel.mean(axis=1), mel.std(axis=1)]))
    return np.stack(rows).astype(np.float32)
