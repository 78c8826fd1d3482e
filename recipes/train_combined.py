"""Fine-tune one Whisper emotion model on several corpora combined (the paper's "Tr. Co." columns).

Usage:
    accelerate launch recipes/train_combined.py --config recipes/configs/combined_5emo_smote.yaml
    accelerate launch --config_file accelerate_configs/multi_gpu.yaml recipes/train_combined.py \\
        --config recipes/configs/combined_5emo_smote.yaml --output_dir results/combined_5emo_smote
"""

from transformers.utils import logging

from whisper_ser.recipes.arguments import SERArgumentParser
from whisper_ser.recipes.training import run_experiment

logger = logging.get_logger(__name__)


def main(argv: list[str] | None = None) -> dict:
    model_args, data_args, augment_args, training_args = SERArgumentParser().parse(argv)
    logging.set_verbosity_info() if training_args.should_log else logging.set_verbosity_warning()
    logger.info(f"Model arguments {model_args}\nData arguments {data_args}\nAugmentation {augment_args}")
    if len(data_args.specs) < 2:
        logger.warning("Only one corpus given: recipes/train_single.py is the per-corpus recipe.")
    metrics = run_experiment(model_args, data_args, augment_args, training_args)
    logger.info(f"Held-out speakers, mean over corpora: {metrics.mean}")
    return metrics


if __name__ == "__main__":
    main()
