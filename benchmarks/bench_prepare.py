"""Preparation speed of a corpus loader: scan + header reads + Arrow writing for N files, then a cached reload.

Writes a synthetic CREMA-D copy (`AudioWAV/AAAA_SSS_EEE_LL.wav`, short 16-kHz clips) and loads it twice.

Usage:
    python benchmarks/bench_prepare.py --files 10000
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from whisper_ser.data import load_corpus

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        audio = Path(tmp, "CREMA-D", "AudioWAV")
        audio.mkdir(parents=True)
        clip = (0.1 * np.random.default_rng(0).standard_normal(1600)).astype(np.float32)
        names = (
            f"{1001 + i // 72:04d}_{SENTENCES[i % 12]}_{EMOTIONS[(i // 12) % 6]}_{i // 6552:02d}.wav"
            for i in range(args.files)
        )
        for name in names:
            sf.write(audio / name.replace("_00.wav", "_XX.wav").replace("_01.wav", "_HI.wav"), clip, 16000)
        files = len(list(audio.iterdir()))
        start = time.perf_counter()
        first = load_corpus("cremad", Path(tmp, "CREMA-D"), cache_dir=Path(tmp, "cache"))
        prepare = time.perf_counter() - start
        start = time.perf_counter()
        second = load_corpus("cremad", Path(tmp, "CREMA-D"), cache_dir=Path(tmp, "cache"))
        cached = time.perf_counter() - start
        assert len(first) == len(second) == files
        print(
            f"{files} files: prepared in {prepare:.1f} s ({files / prepare:.0f} files/s); "
            f"cached reload {cached:.2f} s (x{prepare / cached:.0f} faster)"
        )


if __name__ == "__main__":
    main()
