"""Run a grid of recipe configs and write the paper's Table 3, the cross-corpus matrix and the plots.

Usage:
    python recipes/run_benchmark.py --grid recipes/configs/paper_table3.yaml --output results/table3
    python recipes/run_benchmark.py --grid recipes/configs/paper_table3.yaml --output results/table3 \\
        --data_root ~/corpora --model_name_or_path bundled:tiny.en   # overrides for every run
"""

import argparse
from pathlib import Path

from transformers.utils import logging

from whisper_ser.recipes.benchmark import run_grid


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    args, overrides = parser.parse_known_args(argv)
    logging.set_verbosity_info()
    return run_grid(args.grid, args.output, overrides)


if __name__ == "__main__":
    main()
