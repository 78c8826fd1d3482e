"""`pipeline("audio-classification")` with padding-free batches vs one clip at a time, side by side in one run.

The real tiny.en backbone (bundled, converted offline) with a fresh 4096-2048-1024-512 head, saved as a run would
save it and loaded through the model's own pipeline (`trust_remote_code`); the same WAV files of 2-13 s (mean about
4 s) are classified with `batch_size=1` and with `batch_size=B`, and the scores of both are compared.

Usage:
    python benchmarks/bench_pipeline.py --clips 64 --batch-size 8
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from transformers import pipeline

from whisper_ser import bundled_backbone
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

LABELS = {i: name for i, name in enumerate(["neutral", "angry", "happy", "sad", "surprised"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    durations = np.clip(2.0 + rng.exponential(2.0, size=args.clips), 2.0, 13.0)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        torch.manual_seed(0)
        WhisperForEmotionClassification.from_pretrained(bundled_backbone("tiny.en"), id2label=LABELS).save_pretrained(
            model_dir
        )
        WhisperEmotionFeatureExtractor().save_pretrained(model_dir)
        files = []
        for i, duration in enumerate(durations):
            files.append(str(Path(tmp) / f"{i}.wav"))
            sf.write(files[-1], (0.1 * rng.standard_normal(int(duration * 16000))).astype(np.float32), 16000)
        classifier = pipeline("audio-classification", model=str(model_dir), trust_remote_code=True)
        classifier(files[:2], batch_size=2)  # warm-up
        rates, results = {}, {}
        for batch_size in (1, args.batch_size):
            start = time.perf_counter()
            results[batch_size] = classifier(files, batch_size=batch_size, top_k=None)
            rates[batch_size] = len(files) / (time.perf_counter() - start)
    gap = max(
        abs(a["score"] - b["score"])
        for one, many in zip(results[1], results[args.batch_size], strict=True)
        for a, b in zip(sorted(one, key=lambda r: r["label"]), sorted(many, key=lambda r: r["label"]), strict=True)
    )
    print(f"{args.clips} clips, mean {durations.mean():.1f} s, torch threads {torch.get_num_threads()}")
    print(f"batch_size=1: {rates[1]:.2f} clips/s")
    ratio = rates[args.batch_size] / rates[1]
    print(f"batch_size={args.batch_size}: {rates[args.batch_size]:.2f} clips/s (x{ratio:.2f})")
    print(f"largest score difference between the two: {gap:.2e}")


if __name__ == "__main__":
    main()
