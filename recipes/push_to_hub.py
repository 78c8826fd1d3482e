"""Push a finished run (model + card) or a benchmark folder (dataset + card) to the Hub.

Usage:
    python recipes/push_to_hub.py --run results/combined_5emo_smote --repo-id org/whisper-ser-5emo
    python recipes/push_to_hub.py --benchmark results/table3 --repo-id org/ser-11-corpora-benchmark
    python recipes/push_to_hub.py --space --run results/demo --repo-id org/whisper-ser-demo
The token comes from `hf auth login` or HF_TOKEN; HF_ENDPOINT selects another Hub.
"""

import argparse
from pathlib import Path

from transformers.utils import logging

from whisper_ser.recipes.publish import push_benchmark, push_model, push_space


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path, help="a run folder (metrics.json, model/, splits.json)")
    source.add_argument("--benchmark", type=Path, help="a run_benchmark.py output folder")
    parser.add_argument("--repo-id", required=True)
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--revision", help="branch to push to (created if missing)")
    parser.add_argument("--with-audio", action="store_true", help="benchmark: include audio where licences allow")
    parser.add_argument("--space", action="store_true", help="with --run: push the Gradio app as a Space")
    args = parser.parse_args(argv)
    logging.set_verbosity_info()
    if args.space:
        if args.run is None:
            parser.error("--space needs --run")
        info = push_space(args.run, args.repo_id, private=args.private)
    elif args.run is not None:
        info = push_model(args.run, args.repo_id, private=args.private, revision=args.revision)
    else:
        info = push_benchmark(
            args.benchmark, args.repo_id, private=args.private, revision=args.revision, with_audio=args.with_audio
        )
    print(f"Pushed: {info.commit_url}")
    return info


if __name__ == "__main__":
    main()
