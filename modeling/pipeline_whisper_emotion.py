"""The `audio-classification` pipeline of whisper-ser models (self-contained: ships to the Hub as remote code,
named by the model's `config.custom_pipelines`). One decoding path for files, URLs and arrays: soundfile (WAV of
any sample format, FLAC, OGG, MP3), torchcodec or ffmpeg for containers it cannot read (mp4, m4a, aac); any channel
count is averaged to mono and any rate resampled with soxr. Batches are padded to their longest clip only."""

import io
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch
from transformers import AudioClassificationPipeline

SAMPLING_RATE = 16000
SILENCE_RMS = 1e-4
"""Below this RMS (after removing any DC offset) a clip holds no signal worth classifying."""
MAX_CHANNELS = 8


class SilentAudioWarning(UserWarning):
    """The pipeline classified a clip that holds no signal (silence or a constant offset)."""


def pcm_to_float(samples: np.ndarray) -> np.ndarray:
    """Integer PCM (signed, or unsigned 8-bit with its 128 offset) or float samples as float32 in [-1, 1]."""
    samples = np.asarray(samples)
    if samples.dtype.kind == "u":
        half = float(2 ** (8 * samples.dtype.itemsize - 1))
        return ((samples.astype(np.float64) - half) / half).astype(np.float32)
    if samples.dtype.kind == "i":
        return (samples.astype(np.float64) / float(2 ** (8 * samples.dtype.itemsize - 1))).astype(np.float32)
    if samples.dtype.kind != "f":
        raise TypeError(f"Expected audio samples as integer PCM or floats, got dtype {samples.dtype}.")
    return samples.astype(np.float32)


def to_mono(samples: np.ndarray, what: str = "audio") -> np.ndarray:
    """(samples,), (samples, channels) or (channels, samples) -> (samples,): channels (at most 8, the shorter
    axis) are averaged."""
    if samples.ndim == 1:
        return samples
    if samples.ndim == 2 and min(samples.shape) <= MAX_CHANNELS:
        return samples.mean(axis=int(np.argmin(samples.shape))).astype(np.float32)
    raise ValueError(
        f"{what}: expected mono (samples,) or multichannel (samples, channels) audio with at most {MAX_CHANNELS} "
        f"channels, got shape {samples.shape}."
    )


def prepare_waveform(samples, sampling_rate, what: str = "audio") -> np.ndarray:
    """Any array a user has (int or float PCM, mono or multichannel, any rate) as 16-kHz mono float32."""
    if isinstance(sampling_rate, bool) or not isinstance(sampling_rate, (int, np.integer)) or sampling_rate <= 0:
        raise TypeError(f"{what}: `sampling_rate` must be a positive integer (Hz), got {sampling_rate!r}.")
    if hasattr(samples, "cpu"):
        samples = samples.cpu().numpy()
    audio = to_mono(pcm_to_float(samples), what)
    if audio.size == 0:
        raise ValueError(f"{what}: the audio is empty.")
    if not np.isfinite(audio).all():
        raise ValueError(f"{what}: the audio contains NaN or infinite samples.")
    if int(sampling_rate) != SAMPLING_RATE:
        audio = soxr.resample(audio, int(sampling_rate), SAMPLING_RATE).astype(np.float32)
    return audio


def _decode_with_torchcodec(data: bytes) -> tuple[np.ndarray, int]:
    from torchcodec.decoders import AudioDecoder

    samples = AudioDecoder(data).get_all_samples()
    return samples.data.numpy().T, int(samples.sample_rate)


def _decode_with_ffmpeg(data: bytes) -> tuple[np.ndarray, int]:
    from transformers.pipelines.audio_utils import ffmpeg_read

    return ffmpeg_read(data, SAMPLING_RATE), SAMPLING_RATE


def decode_bytes(data: bytes, what: str) -> np.ndarray:
    """An encoded file's bytes as 16-kHz mono float32: soundfile, else torchcodec (if installed), else ffmpeg."""
    if not data:
        raise ValueError(f"{what}: the file is empty (0 bytes).")
    errors = []
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        errors.append(f"soundfile: {error}")
        samples = None
        for decoder in (_decode_with_torchcodec, _decode_with_ffmpeg):
            try:
                samples, rate = decoder(data)
                break
            except ImportError:
                continue
            except Exception as failure:  # each decoder has its own error types; all are reported together
                errors.append(f"{decoder.__name__.removeprefix('_decode_with_')}: {failure}")
        if samples is None:
            raise ValueError(f"{what}: could not decode the file as audio ({'; '.join(errors)}).") from None
    if samples.size == 0:
        raise ValueError(f"{what}: the file decodes to no samples.")
    return prepare_waveform(samples, rate, what)


def load_audio(source: str | Path, timeout: float = 30.0) -> np.ndarray:
    """A local file or an http(s) URL as 16-kHz mono float32; errors name the file or URL."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(text, follow_redirects=True, timeout=timeout)
        except httpx.HTTPError as error:
            raise ValueError(f"Could not fetch {text}: {error}") from None
        if response.status_code != 200:
            raise ValueError(f"Could not fetch {text}: HTTP {response.status_code} {response.reason_phrase}.")
        return decode_bytes(response.content, text)
    path = Path(source).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Audio file not found: '{path}'.")
    return decode_bytes(path.read_bytes(), f"'{path}'")


def is_silent(audio: np.ndarray) -> bool:
    """No signal: the RMS around the mean (a constant DC offset carries none) is below `SILENCE_RMS`."""
    return float(np.std(audio)) < SILENCE_RMS


class EmotionAudioClassificationPipeline(AudioClassificationPipeline):
    """`pipeline("audio-classification")` for whisper-ser models: files (any format the loaders read), URLs, raw
        arrays with `sampling_rate=` or as `{"raw"|"array": x, "sampling_rate": sr}`, int or float PCM, mono or
        multichannel; with `batch_size > 1` a list is decoded, grouped by length and padded only to each batch's
    longest clip (scores equal each clip's alone; results come back in input order).
        A clip with no signal is still scored, with a `SilentAudioWarning` (or an error with `on_silence="error"`)."""

    def _sanitize_parameters(self, top_k=None, function_to_apply=None, sampling_rate=None, on_silence=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unsupported arguments {sorted(kwargs)}.")
        preprocess, _, postprocess = super()._sanitize_parameters(top_k=top_k, function_to_apply=function_to_apply)
        if sampling_rate is not None:
            preprocess["sampling_rate"] = sampling_rate
        if on_silence is not None:
            if on_silence not in ("warn", "error"):
                raise ValueError(f"`on_silence` must be 'warn' or 'error', got {on_silence!r}.")
            preprocess["on_silence"] = on_silence
        return preprocess, {}, postprocess

    def __call__(self, inputs, **kwargs):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 0:
            raise ValueError("Expected audio (a file, URL, array or dict), got an empty list.")
        if isinstance(inputs, (list, tuple)) and (kwargs.get("batch_size") or self._batch_size or 1) > 1:
            # decode first, then batch clips of similar length (padding costs compute), results in input order
            waveforms = [self.waveform(item, kwargs.get("sampling_rate")) for item in inputs]
            order = sorted(range(len(waveforms)), key=lambda i: waveforms[i].size)
            rest = {key: value for key, value in kwargs.items() if key != "sampling_rate"}
            ranked = super().__call__([{"raw": waveforms[i], "sampling_rate": SAMPLING_RATE} for i in order], **rest)
            results = [None] * len(waveforms)
            for rank, index in enumerate(order):
                results[index] = ranked[rank]
            return results
        return super().__call__(inputs, **kwargs)

    is_silent = staticmethod(is_silent)

    def waveform(self, inputs, sampling_rate=None) -> np.ndarray:
        """The 16-kHz mono float32 waveform the pipeline classifies for an input (what the app decodes with)."""
        if isinstance(inputs, (str, Path)):
            if sampling_rate is not None:
                raise ValueError("`sampling_rate` is for raw arrays; a file carries its own rate.")
            return load_audio(inputs)
        if isinstance(inputs, bytes):
            return decode_bytes(inputs, "audio bytes")
        if isinstance(inputs, dict):
            keys = [key for key in ("raw", "array") if key in inputs]
            if not keys or "sampling_rate" not in inputs:
                raise ValueError(
                    f'A dict input needs "raw" (or "array") and "sampling_rate", got keys {sorted(inputs)}.'
                )
            return prepare_waveform(inputs[keys[0]], inputs["sampling_rate"], "audio")
        if isinstance(inputs, (np.ndarray, torch.Tensor)):
            if sampling_rate is None:
                warnings.warn(
                    f"No `sampling_rate` given with a raw array: it is taken as {SAMPLING_RATE} Hz. Pass "
                    "`sampling_rate=` to have other rates resampled.",
                    UserWarning,
                    stacklevel=4,
                )
            return prepare_waveform(inputs, SAMPLING_RATE if sampling_rate is None else sampling_rate, "audio")
        raise TypeError(
            f"Expected a file path, URL, bytes, array or dict with sampling_rate, got {type(inputs).__name__}."
        )

    def preprocess(self, inputs, sampling_rate=None, on_silence="warn"):
        audio = self.waveform(inputs, sampling_rate)
        if self.is_silent(audio):
            message = "The audio holds no signal (silence or a constant offset); its scores mean nothing."
            if on_silence == "error":
                raise ValueError(message)
            warnings.warn(message, SilentAudioWarning, stacklevel=4)
        features = self.feature_extractor(audio, sampling_rate=SAMPLING_RATE, return_tensors="pt")
        return {key: value.to(self.dtype) if key == "input_features" else value for key, value in features.items()}

    def get_iterator(self, inputs, num_workers, batch_size, preprocess_params, forward_params, postprocess_params):
        if batch_size == 1:
            return super().get_iterator(
                inputs, num_workers, batch_size, preprocess_params, forward_params, postprocess_params
            )
        from transformers.pipelines.pt_utils import PipelineDataset, PipelineIterator

        dataset = PipelineDataset(inputs, self.preprocess, preprocess_params)
        loader = torch.utils.data.DataLoader(
            dataset, num_workers=num_workers, batch_size=batch_size, collate_fn=_pad_to_longest
        )
        model_iterator = PipelineIterator(loader, self.forward, forward_params, loader_batch_size=batch_size)
        return PipelineIterator(model_iterator, self.postprocess, postprocess_params)


def _pad_to_longest(items: list[dict]) -> dict:
    """Preprocessed clips -> one batch, features and masks zero-padded to the longest clip's frames (a stock
    `WhisperFeatureExtractor`'s 30-s features come without a mask and stay so)."""
    frames = max(item["input_features"].shape[-1] for item in items)
    features = torch.zeros(
        len(items), items[0]["input_features"].shape[1], frames, dtype=items[0]["input_features"].dtype
    )
    for i, item in enumerate(items):
        features[i, :, : item["input_features"].shape[-1]] = item["input_features"][0]
    if "attention_mask" not in items[0]:
        return {"input_features": features}
    mask = torch.zeros(len(items), frames, dtype=items[0]["attention_mask"].dtype)
    for i, item in enumerate(items):
        mask[i, : item["attention_mask"].shape[-1]] = item["attention_mask"][0]
    return {"input_features": features, "attention_mask": mask}


__all__ = ["EmotionAudioClassificationPipeline", "SilentAudioWarning", "load_audio", "prepare_waveform"]
