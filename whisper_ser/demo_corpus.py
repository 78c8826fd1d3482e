"""The bundled demo corpus: emotional speech synthesized with espeak-ng, laid out exactly like RAVDESS
(`Actor_NN/03-01-EE-II-SS-RR-AA.flac`, odd actors male) so it goes through the real RAVDESS loader.

Each actor is an espeak-ng voice and variant with its own base pitch and rate; the five emotions are rendered
as prosody (SSML rate, pitch, pitch range and volume) of RAVDESS's two sentences, with a small jitter.
`python -m whisper_ser.demo_corpus demo_corpus` rebuilds the committed copy (needs espeak-ng).
"""

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SAMPLING_RATE = 16000
SENTENCES = {1: "Kids are talking by the door.", 2: "Dogs are sitting by the door."}
REPETITIONS = (1,)
# RAVDESS emotion code -> (rate %, pitch shift %, pitch range %, volume %)
EMOTIONS = {
    1: (100, 0, 100, 100),  # neutral
    3: (128, 40, 210, 130),  # happy
    4: (66, -30, 20, 55),  # sad
    5: (116, 10, 150, 260),  # angry
    8: (90, 85, 320, 140),  # surprised
}
# actor -> espeak-ng voice+variant; odd actors are male, as in RAVDESS
VOICES = {
    1: "en-us+m1", 2: "en-029+f1", 3: "en+m2", 4: "en-gb-x-rp+f2",
    5: "en-gb-scotland+m3", 6: "en-gb-x-gbclan+f3", 7: "en-029+m4", 8: "en-gb-x-gbcwmd+f4",
    9: "en-gb-x-rp+m5", 10: "en-us+f5", 11: "en-gb-x-gbclan+m6", 12: "en+f4",
    13: "en-gb-x-gbcwmd+m7", 14: "en-gb-scotland+f4", 15: "en-us+m3", 16: "en-029+f5",
    17: "en+m6", 18: "en-gb-x-rp+f1", 19: "en-gb-scotland+m2", 20: "en-us+f3",
    21: "en-029+m7", 22: "en-gb-scotland+f1", 23: "en-gb-x-rp+m1", 24: "en+f1",
}  # fmt: skip


def synthesize(text: str, voice: str, rate: float, pitch: float, pitch_range: float, volume: float) -> np.ndarray:
    """espeak-ng speech of `text` with SSML prosody, as 16-kHz float32."""
    ssml = (
        f'<speak><prosody rate="{rate:.0f}%" pitch="{pitch:+.0f}%" range="{pitch_range:.0f}%" '
        f'volume="{volume:.0f}%">{text}</prosody></speak>'
    )
    with tempfile.NamedTemporaryFile(suffix=".wav") as handle:
        subprocess.run(["espeak-ng", "-m", "-v", voice, "-w", handle.name, ssml], check=True, capture_output=True)
        audio, rate_hz = sf.read(handle.name, dtype="float32")
    return soxr.resample(audio, rate_hz, SAMPLING_RATE).astype(np.float32)


def build(output: Path, actors: int = len(VOICES), seed: int = 0) -> Path:
    """Write the corpus under `output` (RAVDESS layout, FLAC) and return `output`."""
    rng = np.random.default_rng(seed)
    for actor in range(1, actors + 1):
        base_rate, base_pitch = rng.uniform(-6, 6), rng.uniform(-8, 8)
        folder = output / f"Actor_{actor:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for code, (rate, pitch, pitch_range, volume) in EMOTIONS.items():
            intensity = 1 if code == 1 else 2
            for statement, text in SENTENCES.items():
                for repetition in REPETITIONS:
                    jitter = rng.uniform(-3, 3, size=2)
                    audio = synthesize(
                        text,
                        VOICES[actor],
                        rate + base_rate + jitter[0],
                        pitch + base_pitch + jitter[1],
                        pitch_range,
                        volume,
                    )
                    name = f"03-01-{code:02d}-{intensity:02d}-{statement:02d}-{repetition:02d}-{actor:02d}.flac"
                    sf.write(folder / name, audio, SAMPLING_RATE, format="FLAC", subtype="PCM_16")
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", type=Path)
    parser.add_argument("--actors", type=int, default=len(VOICES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    build(args.output, args.actors, args.seed)


if __name__ == "__main__":
    main()
