"""The `whisper-ser` command line."""

import argparse

from transformers.utils import logging


def _convert_ct2(args: argparse.Namespace) -> int:
    from .convert_ct2 import convert_ct2_to_hf

    path = convert_ct2_to_hf(args.model_dir, args.output_dir, dtype=args.dtype)
    print(f"Wrote a transformers Whisper checkpoint to {path}")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.set_verbosity_info()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
