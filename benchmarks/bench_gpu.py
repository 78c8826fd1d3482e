"""Does the data path keep a GPU busy? Side by side in one run, on a CUDA device and the bundled demo corpus:

- model: training steps of a whisper-base-sized model (random weights; speed does not depend on them) with the
  paper's encoder+decoder pooling and 4096-2048-1024-512 head, batches of the demo clips whose features are already
  on the GPU, in fp32 and with bf16 autocast (`accelerate_configs/multi_gpu.yaml`): the rate the data path must feed;
- features: `WhisperEmotionFeatureExtractor` on one CPU core, on the GPU clip by clip (stock Whisper's
  `_torch_extract_fbank_features(device="cuda")`, what `feature_device` did before) and on the GPU in one batched
  pass, with the largest difference between GPU and CPU features;
- the recipe: `SERTrainer` (HF Trainer, fp32 as the shipped configs; `--bf16` on request) on the demo corpus'
  decode-once cache, SMOTE-balanced, with 0 or 4 loader workers, features on the CPU (in the workers) or on the GPU
  (`feature_device: cuda`: the workers batch waveforms, the training process extracts), with and without
  augmentation (p=0.5);
- a learning check: the demo recipe (`recipes/configs/demo.yaml`) with `feature_device: auto`, scored on held-out
  voices (`--backbone`, default the bundled tiny.en).

Usage:
    python benchmarks/bench_gpu.py --output results/bench_gpu
"""

import argparse
import contextlib
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from bench_padding import BASE, timed
from bench_padding import batches as length_grouped
from transformers import TrainerCallback, WhisperConfig, WhisperFeatureExtractor, WhisperModel

from whisper_ser.data.augment import AugmentConfig
from whisper_ser.data.balance import plan_balance
from whisper_ser.data.protocol import select_role
from whisper_ser.data.waveforms import LOGMEL_STATS, WAVEFORM, BalancedTrainingSet
from whisper_ser.modeling import WhisperEmotionFeatureExtractor
from whisper_ser.recipes.benchmark import CONFIGS, parse_config
from whisper_ser.recipes.training import SERCollator, SERTrainer, build_model, load_data, run_experiment


class StepTimer(TrainerCallback):
    """Optimizer steps per second after `warmup` steps, the GPU's queued work included."""

    def __init__(self, warmup: int):
        self.warmup, self.times = warmup, []

    def on_step_end(self, args, state, control, **kwargs):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter())

    def rate(self) -> float:
        return (len(self.times) - 1 - self.warmup) / (self.times[-1] - self.times[self.warmup])


def model_rate(model, batches: list[dict], bf16: bool, steps: int, device: str) -> float:
    """Clips/s of forward + backward + AdamW on batches already on the device."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    autocast = torch.autocast(device, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    def train(count: int):
        for i in range(count):
            batch = batches[i % len(batches)]
            with autocast:
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    train(3)
    return steps * batches[0]["labels"].numel() / timed(lambda: train(steps), torch.device(device))


def feature_rates(extractor, batches: list[list[np.ndarray]], device: str) -> dict:
    """Clips/s of the feature extractor: one CPU core, the GPU clip by clip (stock), the GPU batched."""
    clips = sum(len(b) for b in batches)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    cpu = [extractor(b, sampling_rate=16000, return_tensors="pt") for b in batches]
    cpu_rate = clips / (time.perf_counter() - start)
    torch.set_num_threads(threads)

    stock = WhisperFeatureExtractor()
    stock._torch_extract_fbank_features(batches[0][0], device)  # warm-up

    def per_clip():
        for batch in batches:
            for clip in batch:
                torch.from_numpy(stock._torch_extract_fbank_features(clip, device))

    extractor(batches[0], sampling_rate=16000, return_tensors="pt", device=device)  # warm-up
    gpu = []
    per_clip_rate = clips / timed(per_clip, torch.device(device))
    batched_rate = clips / timed(
        lambda: gpu.extend(extractor(b, sampling_rate=16000, return_tensors="pt", device=device) for b in batches),
        torch.device(device),
    )
    difference = max(
        float((g["input_features"].cpu() - c["input_features"]).abs().max()) for g, c in zip(gpu, cpu, strict=True)
    )
    masks_equal = all(
        torch.equal(g["attention_mask"].cpu(), c["attention_mask"]) for g, c in zip(gpu, cpu, strict=True)
    )
    return {
        "cpu_one_core": cpu_rate,
        "gpu_per_clip_stock": per_clip_rate,
        "gpu_batched": batched_rate,
        "max_abs_difference_gpu_vs_cpu": difference,
        "attention_masks_equal": masks_equal,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=Path("results/bench_gpu"))
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=40, help="timed optimizer steps per recipe arm")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--bf16", action="store_true", help="the recipe arms in bf16 (the model is timed in both)")
    parser.add_argument("--backbone", default="bundled:tiny.en", help="backbone of the learning check")
    parser.add_argument("--device", default="cuda", help="`cpu` only to try the script out")
    parser.add_argument("--check", nargs=argparse.REMAINDER, default=[], help="recipe arguments of the learning check")
    args = parser.parse_args()
    device = args.device
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("bench_gpu.py needs a CUDA device.")
    args.output.mkdir(parents=True, exist_ok=True)
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    report = {"device": name, "torch": torch.__version__, "batch_size": args.batch_size}

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp, "whisper-base-random")  # whisper-base's shapes; random weights cost the same FLOPs
        torch.manual_seed(0)
        WhisperModel(WhisperConfig(**BASE)).save_pretrained(base)
        WhisperFeatureExtractor().save_pretrained(base)
        overrides = ["--model_name_or_path", str(base), "--pooling", "encoder_decoder", "--disable_tqdm", "true"]
        model_args, data_args, _, training_args = parse_config(CONFIGS / "demo.yaml", Path(tmp, "run"), overrides)
        combined, _, plan, _ = load_data(data_args, training_args.seed)
        rows = select_role(combined, plan, 0, "train")
        classes = list(combined.features["label"].names)
        clips = [np.asarray(w, dtype=np.float32) for w in rows.with_format("numpy")[WAVEFORM]]
        report["clips"] = {"train": len(clips), "mean_seconds": float(np.mean([len(c) for c in clips]) / 16000)}
        extractor = WhisperEmotionFeatureExtractor()
        batches = [b for b in length_grouped(clips, args.batch_size) if len(b) == args.batch_size]

        report["features"] = feature_rates(extractor, batches, device)
        print("features, clips/s:", {k: round(v, 4) for k, v in report["features"].items()})

        labels = torch.zeros(args.batch_size, dtype=torch.long, device=device)
        on_gpu = [
            {**extractor(b, sampling_rate=16000, return_tensors="pt", device=device), "labels": labels}
            for b in batches
        ]
        report["model"] = {}
        for precision in ("fp32", "bf16"):
            model = build_model(model_args, classes).to(device).train()
            report["model"][precision] = model_rate(model, on_gpu, precision == "bf16", args.steps, device)
            print(f"model alone, {precision}: {report['model'][precision]:.0f} clips/s")
            del model

        features = np.asarray(rows.select_columns([LOGMEL_STATS]).with_format("numpy")[LOGMEL_STATS])
        balance = plan_balance(rows["label"], "smote", seed=0, features=features, classes=len(classes))
        report["recipe"] = {}
        for name, collate_on, workers, probability in (
            ("CPU features, 0 workers", "cpu", 0, 0.0),
            (f"CPU features, {args.workers} workers", "cpu", args.workers, 0.0),
            ("GPU features, 0 workers", device, 0, 0.0),
            (f"GPU features, {args.workers} workers", device, args.workers, 0.0),
            ("GPU features, 0 workers, augmentation", device, 0, 0.5),
            (f"CPU features, {args.workers} workers, augmentation", "cpu", args.workers, 0.5),
            (f"GPU features, {args.workers} workers, augmentation", device, args.workers, 0.5),
        ):
            augment = AugmentConfig(augment_probability=probability)
            timer = StepTimer(warmup=5)
            run_args = replace(
                training_args,
                output_dir=str(Path(tmp, name.replace(" ", "_").replace(",", ""))),
                max_steps=args.steps + 5,
                per_device_train_batch_size=args.batch_size,
                dataloader_drop_last=True,
                dataloader_num_workers=workers,
                dataloader_persistent_workers=workers > 0,
                bf16=args.bf16,
                eval_strategy="no",
                save_strategy="no",
                load_best_model_at_end=False,
                logging_strategy="no",
            )
            trainer = SERTrainer(
                model=build_model(model_args, classes),
                args=run_args,
                train_dataset=BalancedTrainingSet(rows, balance, augment, seed=0),
                data_collator=SERCollator(extractor, device=collate_on),
                callbacks=[timer],
            )
            trainer.train()
            rate = timer.rate() * args.batch_size
            alone = report["model"]["bf16" if args.bf16 else "fp32"]
            report["recipe"][name] = {"clips_per_s": rate, "of_model": rate / alone}
            print(f"recipe, {name}: {rate:.0f} clips/s ({100 * rate / alone:.0f} % of the model alone)")
            del trainer

    check = parse_config(
        CONFIGS / "demo.yaml",
        args.output / "learning_check",
        ["--model_name_or_path", args.backbone, "--feature_device", "auto", "--test_speakers", "4", *args.check],
    )
    start = time.perf_counter()
    result = run_experiment(*check)
    scores = result.test["ravdess"]
    report["learning_check"] = {
        "backbone": args.backbone,
        "seconds": time.perf_counter() - start,
        "test_clips": scores.n,
        "accuracy": scores.accuracy,
        "accuracy_ci": scores.accuracy_ci,
        "macro_f1": scores.macro_f1,
    }
    print("learning check (demo recipe, feature_device auto):", report["learning_check"])
    (args.output / "bench_gpu.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
