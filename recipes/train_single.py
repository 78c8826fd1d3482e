"""Fine-tune a Whisper emotion model on one corpus (the paper's "Tr. Sep." columns); other corpora given as
`test_corpora` are scored on their held-out speakers for the cross-corpus matrix.

Usage:
    accelerate launch recipes/train_single.py --config recipes/configs/single_ravdess_4emo.yaml
"""

from transformers.utils import logging

from whisper_ser.recipes.arguments import SERArgumentParser
from whisper_ser.recipes.training import run_experiment

logger = logging.get_logger(__name__)


def main(argv: list[str] | None = None) -> dict:
    model_args, data_args, augment_args, training_args = SERArgumentParser().parse(argv)
    logging.set_verbosity_info() if training_args.should_log else logging.set_verbosity_warning()
    if len(data_args.specs) != 1:
        raise ValueError(f"train_single.py trains on exactly one corpus, got {[s.name for s in data_args.specs]}.")
    logger.info(f"Model arguments {model_args}\nData arguments {data_args}\nAugmentation {augment_args}")
    metrics = run_experiment(model_args, data_args, augment_args, training_args)
    logger.info(f"Held-out speakers: {metrics.test}")
    return metrics


if __name__ == "__main__":
    main()
