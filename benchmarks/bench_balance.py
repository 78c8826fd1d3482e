"""Balancing a combined-size training set: 30 000 clips of 2-13 s, SMOTE and ADASYN on log-mel statistics.

The waveforms are synthesized one at a time (as a loader decodes them) and never held together: the
compact features (160 floats per clip) and the plan are all that stays in memory. A dense waveform matrix of
the same clips would take `clips x 13 s x 16 kHz x 4 bytes`, printed for comparison.

Usage:
    python benchmarks/bench_balance.py --clips 30000
"""

import argparse
import resource
import time

import numpy as np

from whisper_ser.data.balance import clip_features, mix, plan_balance

SHARES = np.array([10044, 7427, 6286, 6157]) / 29914  # the paper's Table 2, 4-emotion 'Original'


def clips(labels: np.ndarray, seed: int):
    """Noise plus a tone whose pitch depends on the class (so that classes form overlapping clusters)."""
    rng = np.random.default_rng(seed)
    for label in labels:
        seconds = float(np.clip(2.0 + rng.exponential(2.0), 2.0, 13.0))
        t = np.arange(int(seconds * 16000)) / 16000
        pitch = 120 + 40 * label + rng.normal(0, 25)
        yield (0.1 * np.sin(2 * np.pi * pitch * t) + 0.1 * rng.standard_normal(t.size)).astype(np.float32)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    labels = np.random.default_rng(args.seed).choice(len(SHARES), size=args.clips, p=SHARES)
    start = time.perf_counter()
    features = clip_features(clips(labels, args.seed))
    featured = time.perf_counter() - start
    print(f"{args.clips} clips: log-mel statistics {features.shape} in {featured:.0f} s, peak RSS {peak_mb():.0f} MB")
    for method in ("smote", "adasyn"):
        start = time.perf_counter()
        plan = plan_balance(labels, method, seed=args.seed, features=features)
        print(
            f"{method:7s} plan: {plan.source.size} rows {plan.counts()} in {time.perf_counter() - start:.1f} s, "
            f"peak RSS {peak_mb():.0f} MB"
        )
    synthetic = np.flatnonzero(plan.partner >= 0)[:100]
    wanted = set(plan.source[synthetic].tolist()) | set(plan.partner[synthetic].tolist())
    waves = {i: wave for i, wave in enumerate(clips(labels[: max(wanted) + 1], args.seed)) if i in wanted}
    start = time.perf_counter()
    for row in synthetic:
        mix(waves[plan.source[row]], waves[plan.partner[row]], plan.weight[row])
    print(f"100 synthetic clips mixed on load in {time.perf_counter() - start:.2f} s")
    dense = args.clips * 13 * 16000 * 4 / 2**30
    print(f"peak RSS {peak_mb() / 1024:.2f} GB (a dense 13-s waveform matrix would need {dense:.1f} GB)")


if __name__ == "__main__":
    main()
