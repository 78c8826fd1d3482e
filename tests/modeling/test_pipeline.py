"""pipeline("audio-classification") on a saved model: arrays, files, other rates, bad input."""

import numpy as np
import pytest
import soundfile as sf
import torch
from transformers import pipeline

from tests.conftest import ID2LABEL, noise
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification
from whisper_ser.pipeline import resample


@pytest.fixture(scope="module")
def classifier(saved_model):
    return pipeline("audio-classification", model=str(saved_model))


def reference_scores(saved_model, clip16k: np.ndarray) -> dict[str, float]:
    model = WhisperForEmotionClassification.from_pretrained(saved_model).eval()
    with torch.no_grad():
        logits = model(**WhisperEmotionFeatureExtractor()(clip16k, sampling_rate=16000, return_tensors="pt")).logits
    return {ID2LABEL[i]: p for i, p in enumerate(logits.softmax(-1)[0].tolist())}


def test_array_gives_all_emotions_with_scores(classifier, saved_model):
    clip = noise(3.0)
    result = classifier(clip, top_k=None)
    assert sorted(r["label"] for r in result) == sorted(ID2LABEL.values())
    assert sum(r["score"] for r in result) == pytest.approx(1.0, abs=1e-5)
    expected = reference_scores(saved_model, clip)
    assert {r["label"]: r["score"] for r in result} == pytest.approx(expected, abs=1e-5)
    assert len(classifier(clip, top_k=2)) == 2


@pytest.mark.parametrize("suffix", ["wav", "flac"])
def test_files_are_decoded(classifier, saved_model, tmp_path, suffix):
    clip = noise(2.0, seed=2)
    path = tmp_path / f"clip.{suffix}"
    sf.write(path, clip, 16000, subtype="PCM_16")
    result = {r["label"]: r["score"] for r in classifier(str(path), top_k=None)}
    decoded, _ = sf.read(path, dtype="float32")
    assert result == pytest.approx(reference_scores(saved_model, decoded), abs=1e-3)


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_raw_arrays_at_other_rates_are_resampled_without_torchaudio(classifier, saved_model, rate):
    clip = noise(2.0, seed=3, sr=rate)
    result = {r["label"]: r["score"] for r in classifier({"raw": clip, "sampling_rate": rate}, top_k=None)}
    resampled = resample(clip, rate, 16000)
    assert resampled.shape == (32000,)
    assert result == pytest.approx(reference_scores(saved_model, resampled), abs=1e-5)


def test_resampling_keeps_a_tone():
    t = np.arange(44100) / 44100
    resampled = resample(np.sin(2 * np.pi * 440 * t).astype(np.float32), 44100, 16000)
    spectrum = np.abs(np.fft.rfft(resampled))
    assert np.argmax(spectrum) == 440  # 1-s clip: bin k is k Hz


def test_bad_input_gets_clear_errors(classifier, tmp_path):
    with pytest.raises(ValueError, match="too short"):
        classifier(np.zeros(0, dtype=np.float32))
    with pytest.raises(ValueError, match="NaN"):
        classifier(np.full(16000, np.nan, dtype=np.float32))
    with pytest.raises(TypeError, match="floating-point"):
        classifier({"raw": np.ones(16000, dtype=np.int16), "sampling_rate": 16000})
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVEnot really audio")
    with pytest.raises(ValueError, match="broken.wav"):
        classifier(str(broken))
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        classifier(str(tmp_path / "missing.wav"))
