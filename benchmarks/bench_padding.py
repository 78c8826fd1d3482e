"""Padding-free batches vs stock Whisper's 30-second padding, side by side in one run.

Compares, on the same whisper-base-sized backbone (random weights) and the same clips drawn from 2-13 s:
- stock `WhisperForAudioClassification` on 30-s padded features (what transformers does);
- `WhisperForEmotionClassification` fed 30-s padded features (our model, stock padding);
- `WhisperForEmotionClassification` fed features padded only to the longest clip of a length-grouped batch,
  with the paper's encoder+decoder pooling and with mean pooling (encoder only, like the stock head).

Usage:
    python benchmarks/bench_padding.py --clips 160 --batch-size 8 --train-steps 3
    python benchmarks/bench_padding.py --device cuda --train-steps 20 --bf16   # on a GPU (bf16 autocast)
"""

import argparse
import contextlib
import time

import numpy as np
import torch
from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForAudioClassification

from whisper_ser.modeling import WhisperEmotionConfig, WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

BASE = dict(
    d_model=512,
    encoder_layers=6,
    decoder_layers=6,
    encoder_attention_heads=8,
    decoder_attention_heads=8,
    encoder_ffn_dim=2048,
    decoder_ffn_dim=2048,
)  # openai/whisper-base
LABELS = {i: name for i, name in enumerate(["neutral", "angry", "happy", "sad", "surprised"])}


def draw_clips(count: int, seed: int) -> list[np.ndarray]:
    """Clips of 2-13 s, mean about 4 s, like the combined corpora after the duration filter."""
    rng = np.random.default_rng(seed)
    durations = np.clip(2.0 + rng.exponential(2.0, size=count), 2.0, 13.0)
    return [(0.1 * rng.standard_normal(int(d * 16000))).astype(np.float32) for d in durations]


def batches(clips: list[np.ndarray], size: int) -> list[list[np.ndarray]]:
    """Length-grouped batches (what `group_by_length` does in the Trainer)."""
    ordered = sorted(clips, key=len)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def timed(fn, device: torch.device) -> float:
    """Seconds of `fn()`, the device's queued work included."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=160)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (as `accelerate_configs/multi_gpu.yaml`)")
    args = parser.parse_args()
    device = torch.device(args.device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if args.bf16 else contextlib.nullcontext()

    torch.manual_seed(args.seed)
    clips = draw_clips(args.clips, args.seed)
    groups = batches(clips, args.batch_size)
    stock_fe, ours_fe = WhisperFeatureExtractor(), WhisperEmotionFeatureExtractor()
    stock = WhisperForAudioClassification(WhisperConfig(**BASE, id2label=LABELS))
    ours = WhisperForEmotionClassification(WhisperEmotionConfig(**BASE, id2label=LABELS))
    ours_mean = WhisperForEmotionClassification(WhisperEmotionConfig(**BASE, pooling="mean", id2label=LABELS))
    padding_free = [dict(ours_fe(b, sampling_rate=16000, return_tensors="pt", device=device)) for b in groups]

    inputs = {
        "stock WhisperForAudioClassification, 30-s pad": (
            stock,
            [dict(stock_fe(b, sampling_rate=16000, return_tensors="pt").to(device)) for b in groups],
        ),
        "ours, 30-s pad": (
            ours,
            [
                dict(ours_fe(b, sampling_rate=16000, padding="max_length", return_tensors="pt", device=device))
                for b in groups
            ],
        ),
        "ours, padding-free": (ours, padding_free),
        "ours (mean pooling), padding-free": (ours_mean, padding_free),
    }
    for batch in inputs["stock WhisperForAudioClassification, 30-s pad"][1]:
        batch.pop("attention_mask", None)

    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{torch.get_num_threads()} CPU threads"
    print(
        f"{len(clips)} clips, mean {np.mean([len(c) for c in clips]) / 16000:.1f} s, batch {args.batch_size}, "
        f"whisper-base-sized backbone, {where}{', bf16 autocast' if args.bf16 else ''}"
    )
    results = {}
    for name, (model, feats) in inputs.items():
        model.to(device).eval()
        with torch.no_grad(), autocast:
            model(**feats[0])  # warm-up
            seconds = timed(lambda m=model, f=feats: [m(**b) for b in f], device)
        infer = len(clips) / seconds

        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        rng = np.random.default_rng(args.seed)
        steps = [feats[i] for i in rng.integers(0, len(feats), size=args.train_steps)]

        def train(model=model, optimizer=optimizer, steps=steps):
            for batch in steps:
                labels = torch.zeros(batch["input_features"].shape[0], dtype=torch.long, device=device)
                with autocast:
                    loss = model(**batch, labels=labels).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()

        train(steps=steps[:1])  # warm-up: the optimizer's state, the kernels' first launches
        train_rate = args.train_steps / timed(train, device)
        model.cpu()
        results[name] = (infer, train_rate)
        print(f"{name:48s} inference {infer:7.2f} clips/s   training {train_rate:6.3f} steps/s")

    base_infer, base_train = results["stock WhisperForAudioClassification, 30-s pad"]
    own_infer, own_train = results["ours, 30-s pad"]
    free_infer, free_train = results["ours, padding-free"]
    mean_infer, mean_train = results["ours (mean pooling), padding-free"]
    print(
        f"padding-free vs stock 30-s:      inference x{free_infer / base_infer:.1f}, "
        f"training x{free_train / base_train:.1f}"
    )
    print(
        f"  (mean pooling) vs stock 30-s:  inference x{mean_infer / base_infer:.1f}, "
        f"training x{mean_train / base_train:.1f}"
    )
    print(
        f"padding-free vs ours with 30-s:  inference x{free_infer / own_infer:.1f}, "
        f"training x{free_train / own_train:.1f}"
    )


if __name__ == "__main__":
    main()
