"""The `audio-classification` pipeline with torchaudio-free resampling and errors that name the input."""

from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly
from transformers import AudioClassificationPipeline
from transformers.pipelines import PIPELINE_REGISTRY
from transformers.pipelines.audio_utils import ffmpeg_read


def resample(waveform: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Polyphase resampling (scipy) of a 1-D float waveform."""
    if orig_sr <= 0:
        raise ValueError(f"`sampling_rate` must be a positive integer, got {orig_sr}.")
    if orig_sr == target_sr:
        return waveform
    factor = gcd(int(orig_sr), int(target_sr))
    return resample_poly(waveform, target_sr // factor, orig_sr // factor).astype(np.float32)


class EmotionAudioClassificationPipeline(AudioClassificationPipeline):
    """Stock `AudioClassificationPipeline`, except that raw arrays at any rate are resampled with scipy (the
    stock pipeline needs a torchaudio build matching torch exactly) and unreadable files are named."""

    def preprocess(self, inputs):
        target_sr = self.feature_extractor.sampling_rate
        if isinstance(inputs, (str, Path)) and not str(inputs).startswith(("http://", "https://")):
            path = Path(inputs)
            if not path.is_file():
                raise FileNotFoundError(f"Audio file not found: '{path}'.")
            try:
                inputs = ffmpeg_read(path.read_bytes(), target_sr)
            except ValueError as err:
                raise ValueError(f"Could not decode '{path}' as audio with ffmpeg: {err}") from err
        if isinstance(inputs, dict) and "sampling_rate" in inputs and ("raw" in inputs or "array" in inputs):
            array = inputs["raw"] if "raw" in inputs else inputs["array"]
            array = np.asarray(array.cpu() if hasattr(array, "cpu") else array)
            if array.dtype.kind != "f":
                raise TypeError(
                    f"Expected a floating-point waveform in [-1, 1], got dtype {array.dtype}. "
                    "Convert integer PCM first, e.g. `samples.astype(np.float32) / 32768`."
                )
            inputs = resample(array, int(inputs["sampling_rate"]), target_sr)
        return super().preprocess(inputs)


def register_pipeline() -> None:
    """Serve `pipeline("audio-classification")` with `EmotionAudioClassificationPipeline`."""
    PIPELINE_REGISTRY.supported_tasks["audio-classification"]["impl"] = EmotionAudioClassificationPipeline
