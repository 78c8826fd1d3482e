"""The data path alone, side by side in one run: clips/s per core of today's decode-every-epoch path (the `Audio`
column decoded and resampled, then features), the cold preparation of the decode-once cache (`num_proc` processes),
and warm epochs from the cache (SMOTE mixes, with and without on-the-fly augmentation), beside the model's own
training step rate. On the bundled demo corpus (FLAC), a 48-kHz WAV copy and an mp4 (AAC) copy of it.

Usage:
    python benchmarks/bench_datapath.py --num-proc 2
"""

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from whisper_ser.backbones import resolve_model_path
from whisper_ser.data import load_corpus
from whisper_ser.data.augment import AugmentConfig
from whisper_ser.data.balance import plan_balance
from whisper_ser.data.combine import combine_corpora
from whisper_ser.data.waveforms import LOGMEL_STATS, BalancedTrainingSet, decoded_corpus
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification
from whisper_ser.recipes.training import SERCollator

DEMO = Path(__file__).resolve().parents[1] / "demo_corpus"


def copies(base: Path) -> dict[str, tuple[str, Path]]:
    """The demo corpus as shipped, as 48-kHz WAV (RAVDESS layout) and as mp4/AAC (an own corpus CSV)."""
    wav, mp4 = base / "wav48k", base / "mp4"
    lines = ["path,emotion,speaker"]
    codes = {"01": "neutral", "03": "happy", "04": "sad", "05": "angry"}
    for flac in sorted(DEMO.glob("Actor_*/*.flac")):
        audio, rate = sf.read(flac, dtype="float32")
        target = wav / flac.parent.name / f"{flac.stem}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(flac), "-ar", "48000", str(target)], check=True)
        clip = mp4 / flac.parent.name / f"{flac.stem}.mp4"
        clip.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-i", str(target), "-c:a", "aac", "-ar", "48000", "-ac", "2", str(clip)],
            check=True,
        )
        lines.append(f"{clip.relative_to(mp4)},{codes.get(flac.stem.split('-')[2], 'calm')},{flac.parent.name}")
    (mp4 / "metadata.csv").write_text("\n".join(lines) + "\n")
    return {
        "demo (FLAC)": ("ravdess", DEMO),
        "48-kHz WAV": ("ravdess", wav),
        "mp4 (AAC)": ("mine", mp4 / "metadata.csv"),
    }


def today(dataset, extractor) -> float:
    """Clips/s of one core: decode + resample through the `Audio` column, then features (every epoch, today)."""
    start = time.perf_counter()
    for row in dataset:
        wave = row["audio"].get_all_samples().data.mean(0).numpy()
        extractor([wave], sampling_rate=16000, return_tensors="pt")
    return len(dataset) / (time.perf_counter() - start)


def warm(train, collator, augment: AugmentConfig | None, epochs: int = 2) -> float:
    """Clips/s of one core for epochs after the first: SMOTE-balanced rows from the cache, features, padding."""
    plan = plan_balance(
        train["label"], "smote", seed=0, features=np.asarray(train[LOGMEL_STATS]), classes=len(set(train["label"]))
    )
    dataset = BalancedTrainingSet(train, plan, augment, seed=0)
    start = time.perf_counter()
    for _ in range(epochs):
        for first in range(0, len(dataset), 8):
            collator([dataset[i] for i in range(first, min(first + 8, len(dataset)))])
    return epochs * len(dataset) / (time.perf_counter() - start)


def model_rate(extractor, clips: int = 16) -> float:
    """Clips/s of a tiny.en training step (forward + backward, batch 8 of 3-s clips) on this machine's CPU."""
    path = resolve_model_path("bundled:tiny.en")
    model = WhisperForEmotionClassification.from_pretrained(path, num_labels=4, dtype=torch.float32)
    batch = extractor([np.random.default_rng(0).standard_normal(48000).astype(np.float32)] * 8, return_tensors="pt",
                      sampling_rate=16000)  # fmt: skip
    labels = torch.zeros(8, dtype=torch.long)
    model(**batch, labels=labels).loss.backward()  # warm-up
    start = time.perf_counter()
    for _ in range(clips // 8):
        model(**batch, labels=labels).loss.backward()
    return clips / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-proc", type=int, default=2)
    args = parser.parse_args()
    extractor = WhisperEmotionFeatureExtractor()
    collator = SERCollator(extractor)
    augment = AugmentConfig(augment_probability=0.5)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, (name, source) in copies(Path(tmp)).items():
            cache = Path(tmp, "cache", label.split()[0])
            dataset = load_corpus(name, source, cache_dir=cache)
            torch.set_num_threads(1)
            old = today(dataset, extractor)
            start = time.perf_counter()
            decoded = decoded_corpus(dataset, num_proc=args.num_proc)
            cold = len(dataset) / (time.perf_counter() - start)
            combined, _ = combine_corpora({name: decoded}, view="4", min_duration=0)
            torch.set_num_threads(1)
            plain, augmented = warm(combined, collator, None), warm(combined, collator, augment)
            rows.append((label, len(dataset), old, cold, plain, augmented))
        torch.set_num_threads(args.num_proc)
        step = model_rate(extractor)
    print(f"| copy | clips | today, per core | cold cache, {args.num_proc} processes | warm, per core (x today) "
          "| warm + augmentation p=0.5, per core |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label, n, old, cold, plain, augmented in rows:
        print(f"| {label} | {n} | {old:.0f} | {cold:.0f} | {plain:.0f} (x{plain / old:.1f}) | {augmented:.0f} |")
    print(f"\ntiny.en training step (batch 8 x 3 s, {args.num_proc} threads): {step:.1f} clips/s")


if __name__ == "__main__":
    main()
