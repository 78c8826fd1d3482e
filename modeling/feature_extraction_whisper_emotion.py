"""Whisper log-mel features without the 30-second pad (self-contained: ships to the Hub as remote code)."""

import torch
from torch.nn import functional as nn_functional
from transformers import BatchFeature, WhisperFeatureExtractor
from transformers.utils import logging

logger = logging.get_logger(__name__)

PADDING_MODES = ("longest", "max_length")


class WhisperEmotionFeatureExtractor(WhisperFeatureExtractor):
    r"""
    Whisper's log-mel features computed clip by clip, then padded only to the longest clip of the batch.

    Stock [`WhisperFeatureExtractor`] pads every clip to 30 s before the STFT, so a 3-s clip costs a 30-s
    encoder pass, and padding a batch's raw audio leaks into each clip's last frames through the STFT window.
    Here each clip's features equal its features alone; `attention_mask` marks the valid frames (one per
    10 ms) and [`WhisperForEmotionClassification`] masks the rest out. Clips longer than `chunk_length`
    seconds (the encoder's window) are refused with a clear error: split them first.

    Example:

    ```python
    >>> import numpy as np
    >>> extractor = WhisperEmotionFeatureExtractor()
    >>> batch = extractor([np.zeros(16000 * 3), np.zeros(16000 * 9)], sampling_rate=16000, return_tensors="pt")
    >>> batch["input_features"].shape, batch["attention_mask"].sum(-1).tolist()
    (torch.Size([2, 80, 900]), [300, 900])
    ```"""

    model_input_names = ["input_features", "attention_mask"]

    def __init__(self, *args, return_attention_mask: bool = True, **kwargs):
        super().__init__(*args, return_attention_mask=return_attention_mask, **kwargs)

    def _as_waveform(self, clip, index: int) -> torch.Tensor:
        """Validate one clip and return it as a 1-D float32 tensor."""
        dtype = getattr(clip, "dtype", None)
        if isinstance(clip, torch.Tensor):
            is_float = clip.is_floating_point()
        elif dtype is not None:
            is_float = getattr(dtype, "kind", "") == "f"
        else:
            clip = torch.as_tensor(clip, dtype=torch.float64)
            is_float = True
        if not is_float:
            raise TypeError(
                f"Audio clip {index}: expected a floating-point waveform in [-1, 1], got dtype {dtype}. "
                "Convert integer PCM first, e.g. `samples.astype(np.float32) / 32768`."
            )
        waveform = (
            clip.to(torch.float32) if isinstance(clip, torch.Tensor) else torch.tensor(clip, dtype=torch.float32)
        )
        if waveform.dim() != 1:
            raise ValueError(
                f"Audio clip {index}: expected mono audio of shape (num_samples,), got shape {tuple(waveform.shape)}."
            )
        if waveform.numel() < self.n_fft:
            raise ValueError(
                f"Audio clip {index}: {waveform.numel()} samples is too short; at least {self.n_fft} samples "
                f"({self.n_fft / self.sampling_rate * 1000:.0f} ms at {self.sampling_rate} Hz) are needed."
            )
        if waveform.numel() > self.n_samples:
            raise ValueError(
                f"Audio clip {index}: {waveform.numel() / self.sampling_rate:.1f} s exceeds the model's "
                f"{self.chunk_length}-s window; split longer audio into segments and classify each."
            )
        if not torch.isfinite(waveform).all():
            raise ValueError(f"Audio clip {index}: the waveform contains NaN or infinite samples.")
        return waveform

    def _log_mel(self, waveforms: list[torch.Tensor], device: torch.device) -> torch.Tensor:
        """Whisper's log-mel of clips in one STFT, (clips, mel, longest clip's frames): each clip is reflect-padded at
        both ends as `torch.stft(center=True)` pads it alone, then zero-padded to the longest, so its frames equal
        its features alone; the dynamic-range floor (max - 8) is taken over its own frames, the rest are padding."""
        if self.dither != 0.0:
            waveforms = [w + self.dither * torch.randn_like(w) for w in waveforms]
        center = len(waveforms) == 1  # one clip: `torch.stft` pads it itself
        if center:
            signal = waveforms[0][None]
        else:
            half = self.n_fft // 2
            signal = torch.zeros(len(waveforms), max(w.numel() for w in waveforms) + 2 * half)
            for row, waveform in zip(signal, waveforms, strict=True):
                row[: waveform.numel() + 2 * half] = nn_functional.pad(waveform[None], (half, half), mode="reflect")[0]
        if device.type == "cuda":
            signal = signal.pin_memory()
        signal = signal.to(device, non_blocking=True)
        window = torch.hann_window(self.n_fft, device=device)
        stft = torch.stft(signal, self.n_fft, self.hop_length, window=window, center=center, return_complex=True)
        magnitudes = (stft[..., :-1].abs() ** 2).contiguous()
        mel_filters = torch.from_numpy(self.mel_filters).to(device, torch.float32)
        log_spec = torch.clamp(mel_filters.T @ magnitudes, min=1e-10).log10()
        if center:
            return (torch.maximum(log_spec, log_spec.max() - 8.0) + 4.0) / 4.0
        lengths = torch.tensor([w.numel() // self.hop_length for w in waveforms], device=device)
        valid = (torch.arange(log_spec.shape[-1], device=device)[None] < lengths[:, None])[:, None]
        floor = log_spec.masked_fill(~valid, float("-inf")).amax(dim=(1, 2), keepdim=True) - 8.0
        return ((torch.maximum(log_spec, floor) + 4.0) / 4.0).masked_fill(~valid, self.padding_value)

    def __call__(
        self,
        raw_speech,
        sampling_rate: int | None = None,
        return_tensors: str | None = None,
        padding: str = "longest",
        device: str = "cpu",
        **kwargs,
    ) -> BatchFeature:
        """Features of one clip or a list of clips: `input_features` (batch, mel, frames) and `attention_mask`,
        computed on `device` (on CUDA one STFT for the whole batch); with `return_tensors="pt"` they stay there."""
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__call__ got unsupported arguments {sorted(kwargs)}.")
        if sampling_rate is None:
            logger.warning_once(
                f"No `sampling_rate` passed to {type(self).__name__}: the audio is taken to be sampled at "
                f"{self.sampling_rate} Hz. Pass `sampling_rate` to catch audio at another rate."
            )
        elif (
            isinstance(sampling_rate, bool)
            or not isinstance(sampling_rate, int)
            and not hasattr(sampling_rate, "__index__")
        ):
            raise TypeError(f"`sampling_rate` must be an integer (Hz), got {sampling_rate!r}.")
        if sampling_rate is not None and int(sampling_rate) != self.sampling_rate:
            raise ValueError(
                f"Audio sampled at {sampling_rate} Hz; this feature extractor expects {self.sampling_rate} Hz. "
                "Resample first (the `audio-classification` pipeline does it when given "
                '`{"raw": array, "sampling_rate": rate}`).'
            )
        if padding not in PADDING_MODES:
            raise ValueError(f"`padding` must be one of {PADDING_MODES}, got {padding!r}.")

        if getattr(raw_speech, "ndim", 1) != 1:
            raise ValueError(
                f"Expected one mono clip of shape (num_samples,) or a list of them, got an array of shape "
                f"{tuple(raw_speech.shape)}. Downmix multichannel audio first (e.g. `x.mean(axis=-1)` for "
                "(num_samples, channels)); pass a batch as a list of 1-D clips."
            )
        is_batched = (
            isinstance(raw_speech, (list, tuple)) and len(raw_speech) > 0 and hasattr(raw_speech[0], "__len__")
        )
        clips = list(raw_speech) if is_batched else [raw_speech]
        if not clips:
            raise ValueError("Expected at least one audio clip, got an empty batch.")

        waveforms = [self._as_waveform(clip, i) for i, clip in enumerate(clips)]
        device = torch.device(device)
        # One STFT over the batch on an accelerator; clip by clip on the CPU, where each clip's spectrogram stays in
        # cache (one batched STFT ran 1.8x slower on one core).
        groups = [waveforms] if device.type != "cpu" else [[waveform] for waveform in waveforms]
        log_mel = [self._log_mel(group, device) for group in groups]
        frames = [waveform.numel() // self.hop_length for waveform in waveforms]
        num_frames = self.nb_max_frames if padding == "max_length" else max(frames)
        input_features = torch.cat(
            [nn_functional.pad(f, (0, num_frames - f.shape[-1]), value=self.padding_value) for f in log_mel]
        )
        lengths = torch.tensor(frames, device=device)
        attention_mask = (torch.arange(num_frames, device=device)[None] < lengths[:, None]).to(torch.int32)
        if return_tensors != "pt":
            input_features, attention_mask = input_features.cpu(), attention_mask.cpu()
        return BatchFeature(
            {"input_features": input_features, "attention_mask": attention_mask},
            tensor_type=return_tensors or "np",
        )


__all__ = ["WhisperEmotionFeatureExtractor"]
