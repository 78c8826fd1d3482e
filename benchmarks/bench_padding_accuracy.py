"""Does fine-tuning on stock Whisper's 30-s padded input learn better than padding-free input?

A transformers issue reports Distil-Whisper fine-tuning better with 30-s padding. This benchmark fine-tunes the
same backbone on the demo corpus twice per seed, through the recipe (`run_experiment`, the demo config):
- `longest`: padding-free, masked features (whisper-ser's default);
- `stock_30s`: stock Whisper's input, the audio zero-padded to 30 s by `WhisperFeatureExtractor`, no mask, so the
  encoder, the pooling and the head all see the padding (what stock Whisper fine-tuning does).
Every run shares one split (a manifest written first, `--test-speakers` voices held out), so both inputs are
scored on the same clips; per seed both runs start from the same seed. The difference is a paired bootstrap
over the held-out voices (`recipes.statistics.paired_difference`), seeds averaged per clip.

Usage:
    python benchmarks/bench_padding_accuracy.py --seeds 0 1 2 --output results/padding_accuracy
    python benchmarks/bench_padding_accuracy.py --overrides --pooling encoder_decoder   # the paper's pooling
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from whisper_ser.data.protocol import save_manifest
from whisper_ser.recipes.benchmark import CONFIGS, parse_config
from whisper_ser.recipes.results import METRICS
from whisper_ser.recipes.statistics import held_out_arrays, intervals, paired_difference
from whisper_ser.recipes.training import load_data, run_experiment

ARMS = ("longest", "stock_30s")
CORPUS = "ravdess"  # the demo corpus goes through the RAVDESS loader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=CONFIGS / "demo.yaml")
    parser.add_argument("--output", type=Path, default=Path("results/padding_accuracy"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--test-speakers", type=int, default=12)
    parser.add_argument("--overrides", nargs=argparse.REMAINDER, default=[], help="recipe arguments for every run")
    args = parser.parse_args()

    common = ["--test_speakers", str(args.test_speakers), "--disable_tqdm", "true", *args.overrides]
    manifest = args.output / "splits.json"
    if not manifest.is_file():
        _, data_args, _, training_args = parse_config(args.config, args.output / "split", common)
        _, _, plan, _ = load_data(data_args, training_args.seed)
        args.output.mkdir(parents=True, exist_ok=True)
        save_manifest(plan, manifest)
    common += ["--manifest", str(manifest)]

    predictions: dict[str, list[np.ndarray]] = {arm: [] for arm in ARMS}
    runs = []
    reference = None
    for seed in args.seeds:
        for arm in ARMS:
            run_args = parse_config(
                args.config,
                args.output / f"{arm}_seed{seed}",
                [*common, "--seed", str(seed), "--feature_padding", arm],
            )
            start = time.perf_counter()
            result = run_experiment(*run_args)  # a finished fold of the same config is reused
            seconds = time.perf_counter() - start
            ids, labels, speakers, (predicted,) = held_out_arrays(result.folds, CORPUS)
            if reference is None:
                reference = ids, labels, speakers, result.classes
            elif ids != reference[0]:
                raise RuntimeError(f"{arm}, seed {seed}: scored other clips than the first run; the split differs.")
            predictions[arm].append(predicted)
            scores = result.test[CORPUS]
            runs.append({"arm": arm, "seed": seed, "seconds": seconds, **{m: getattr(scores, m) for m in METRICS}})
            print(
                f"{arm} seed {seed}: accuracy {scores.accuracy:.3f}, macro-F1 {scores.macro_f1:.3f}, {seconds:.0f} s"
            )

    ids, labels, speakers, classes = reference
    summary = {
        arm: {
            **{m: float(np.mean([r[m] for r in runs if r["arm"] == arm])) for m in METRICS},
            **intervals(labels, predictions[arm], speakers, len(classes), seed=0),
        }
        for arm in ARMS
    }
    difference = paired_difference(labels, predictions["longest"], predictions["stock_30s"], speakers, len(classes))
    report = {
        "config": str(args.config),
        "overrides": args.overrides,
        "seeds": args.seeds,
        "test_clips": len(ids),
        "test_speakers": sorted(set(speakers.tolist())),
        "runs": runs,
        "summary": summary,
        "stock_30s_minus_longest": difference,
    }
    (args.output / "padding_accuracy.json").write_text(json.dumps(report, indent=1))
    print(f"\n{len(ids)} held-out clips of {len(set(speakers.tolist()))} voices, seeds {args.seeds}")
    print("| input | accuracy (95 % CI) | UA | macro-F1 |")
    print("|---|---|---|---|")
    for arm in ARMS:
        row = summary[arm]
        low, high = row["accuracy_ci"]
        ua, f1 = 100 * row["unweighted_accuracy"], 100 * row["macro_f1"]
        print(f"| {arm} | {100 * row['accuracy']:.1f} [{100 * low:.1f}, {100 * high:.1f}] | {ua:.1f} | {f1:.1f} |")
    for metric in METRICS:
        d = difference[metric]
        print(
            f"stock_30s - longest, {metric}: {100 * d['difference']:+.1f} points "
            f"[{100 * d['ci'][0]:+.1f}, {100 * d['ci'][1]:+.1f}], p = {d['p_value']:.3f}"
        )


if __name__ == "__main__":
    main()
