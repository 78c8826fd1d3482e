"""Training speed of the recipe: padding-free, length-grouped batches vs the same recipe with stock 30-s
padding (and no length grouping), same backbone and data, side by side in one run.

Usage:
    python benchmarks/bench_training.py --steps 12                       # real tiny.en, the demo corpus
    python benchmarks/bench_training.py --backbone openai/whisper-base   # with Hub access
"""

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from whisper_ser.backbones import resolve_model_path
from whisper_ser.data.balance import plan_balance
from whisper_ser.data.protocol import select_role
from whisper_ser.data.waveforms import BalancedTrainingSet
from whisper_ser.modeling import WhisperEmotionFeatureExtractor
from whisper_ser.recipes.benchmark import CONFIGS, parse_config
from whisper_ser.recipes.training import SERCollator, SERTrainer, build_model, load_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="bundled:tiny.en")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model_args, data_args, _, training_args = parse_config(CONFIGS / "demo.yaml", Path(tmp))
        model_args.model_name_or_path = args.backbone
        combined, _, plan, _ = load_data(data_args, training_args.seed)
        rows = select_role(combined, plan, 0, "train")
        train = BalancedTrainingSet(rows, plan_balance(rows["label"], "none"))
        classes = list(combined.features["label"].names)
        extractor = WhisperEmotionFeatureExtractor.from_pretrained(resolve_model_path(args.backbone))
        rates = {}
        for name, padding, grouped in (
            ("stock 30-s padding", "max_length", False),
            ("padding-free, length-grouped", "longest", True),
        ):
            run_args = replace(
                training_args,
                output_dir=str(Path(tmp) / name),
                max_steps=args.steps,
                per_device_train_batch_size=args.batch_size,
                train_sampling_strategy="group_by_length" if grouped else "random",
                eval_strategy="no",
                save_strategy="no",
                load_best_model_at_end=False,
                logging_strategy="no",
                disable_tqdm=True,
            )
            trainer = SERTrainer(
                model=build_model(model_args, classes),
                args=run_args,
                train_dataset=train,
                data_collator=SERCollator(extractor, padding=padding),
            )
            rates[name] = trainer.train().metrics["train_steps_per_second"]
            print(f"{name:30s} {rates[name]:.3f} steps/s")
        ratio = rates["padding-free, length-grouped"] / rates["stock 30-s padding"]
        print(f"{args.backbone}, batch {args.batch_size}, {args.steps} steps: padding-free is x{ratio:.1f} faster")


if __name__ == "__main__":
    main()
