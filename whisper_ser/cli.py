"""The `whisper-ser` command line."""

import argparse
from pathlib import Path

from transformers.utils import logging


def _convert_ct2(args: argparse.Namespace) -> int:
    from .convert_ct2 import convert_ct2_to_hf

    path = convert_ct2_to_hf(args.model_dir, args.output_dir, dtype=args.dtype)
    print(f"Wrote a transformers Whisper checkpoint to {path}")
    return 0


def _demo_run(args: argparse.Namespace) -> int:
    from .recipes.benchmark import run_demo

    if not Path("demo_corpus").is_dir():
        raise SystemExit("demo-run reads ./demo_corpus: run it from the root of a whisper-ser clone.")
    run_demo(args.output)
    return 0


def _check_corpora(args: argparse.Namespace) -> int:
    import datasets

    from .data.check import check_corpora, write_report

    datasets.disable_progress_bars()
    bounds = (args.min_duration, args.max_duration)
    checks = check_corpora(args.folder, cache_dir=args.cache_dir, bounds=bounds)
    if not checks:
        print(f"No corpus found in '{args.folder}' or the levels below it.")
        return 1
    for check in checks:
        print(check.to_text(bounds), end="\n\n")
    if args.json:
        print(f"Wrote {write_report(checks, args.json, bounds)}")
    deviating = [check.corpus for check in checks if check.deviations]
    print(f"{len(checks)} corpora checked; " + (f"deviating: {deviating}" if deviating else "all match their release"))
    return 1 if deviating else 0


def _demo(args: argparse.Namespace) -> int:
    from . import app

    app.main(
        [
            "--model",
            args.model,
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--window",
            str(args.window),
            "--hop",
            str(args.hop),
        ]
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="whisper-ser", description="Speech emotion recognition on Whisper.")
    commands = parser.add_subparsers(dest="command", required=True)

    convert = commands.add_parser(
        "convert-ct2", help="Convert a CTranslate2 (faster-whisper) Whisper folder into a transformers checkpoint."
    )
    convert.add_argument("model_dir", help="folder holding model.bin, config.json and tokenizer.json")
    convert.add_argument("output_dir", help="where to write the transformers checkpoint")
    convert.add_argument(
        "--dtype",
        choices=["float16", "float32"],
        default="float16",
        help="weight dtype of the written safetensors (default: float16, as shipped)",
    )
    convert.set_defaults(func=_convert_ct2)

    demo_run = commands.add_parser(
        "demo-run", help="The whole pipeline on the bundled demo corpus: train, evaluate, table, plots, model."
    )
    demo_run.add_argument("--output", type=Path, default=Path("results/demo"))
    demo_run.set_defaults(func=_demo_run)

    check = commands.add_parser(
        "check-corpora",
        help="Find the corpora below a folder and report rows, skips and counts against their releases.",
    )
    check.add_argument("folder", type=Path, help="a folder holding one or more corpora in their release layouts")
    check.add_argument("--json", type=Path, help="also write the report as JSON here")
    check.add_argument("--cache-dir", type=Path, help="Arrow cache of the loaders (default: datasets' cache)")
    check.add_argument("--min-duration", type=float, default=2.0, help="lower bound of the duration filter (s)")
    check.add_argument("--max-duration", type=float, default=13.0, help="upper bound of the duration filter (s)")
    check.set_defaults(func=_check_corpora)

    demo = commands.add_parser("demo", help="Open the Gradio app on a saved or Hub model.")
    demo.add_argument("--model", default="results/demo/model", help="a model folder or Hub id")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=7860)
    demo.add_argument("--window", type=float, default=10.0, help="seconds per segment of long audio")
    demo.add_argument("--hop", type=float, default=5.0, help="seconds between segments of long audio")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.set_verbosity_warning()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
