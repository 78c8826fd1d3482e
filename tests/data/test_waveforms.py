"""The decode-once path: cached waveforms equal decoding the file, nothing is decoded twice, silent clips are
found, and frame-budget batches."""

from collections import Counter

import datasets
import numpy as np
import pytest
import soundfile as sf
import soxr

from tests.fixtures.corpora import make_cremad, make_ravdess
from whisper_ser.data import load_corpus
from whisper_ser.data import waveforms as waveform_module
from whisper_ser.data.combine import combine_corpora
from whisper_ser.data.waveforms import WAVEFORM, FrameBudgetBatchSampler, decoded_corpus, waveforms
from whisper_ser.modeling import WhisperEmotionFeatureExtractor


def features(clips):
    return WhisperEmotionFeatureExtractor()(clips, sampling_rate=16000, return_tensors="np")["input_features"]


@pytest.mark.parametrize(
    ("make", "name", "resampled"), [(make_ravdess, "ravdess", True), (make_cremad, "cremad", False)]
)
def test_cached_waveforms_give_the_features_of_the_file(tmp_path, make, name, resampled):
    dataset = load_corpus(name, make(tmp_path / name), cache_dir=tmp_path / "cache")
    cached = decoded_corpus(dataset)
    paths = [a["path"] for a in dataset.cast_column("audio", datasets.Audio(decode=False))["audio"]]
    for row, path in zip(waveforms(cached.select(range(3))), paths[:3], strict=False):
        wave, rate = sf.read(path, dtype="float32")  # the file, read by libsndfile
        direct = soxr.resample(wave, rate, 16000).astype(np.float32) if rate != 16000 else wave
        np.testing.assert_array_equal(row[WAVEFORM], direct)  # the cache holds exactly the decoded file
        column = dataset[paths.index(path)]["audio"].get_all_samples().data.mean(0).numpy()  # torchcodec's path
        n = min(column.size, direct.size)
        # the features of the `Audio` column's decode: equal at 16 kHz (atol 1e-6); at 48 kHz torchcodec resamples
        # with FFmpeg's filter and the cache with soxr: mean |diff| < 0.005 log10-mel units, max < 0.2 (in the
        # bands next to 8 kHz, where the anti-aliasing filters differ, and the first frame's filter transient)
        diff = np.abs(features([direct[:n]]) - features([column[:n]]))
        if resampled:
            assert diff.mean() < 0.005 and diff.max() < 0.2, (diff.mean(), diff.max())
        else:
            assert diff.max() < 1e-6


def test_a_corpus_is_decoded_once_and_silence_is_found(tmp_path, monkeypatch):
    root = make_ravdess(tmp_path / "r")
    silent = root / "Actor_02" / "03-01-05-02-01-01-02.wav"
    sf.write(silent, np.zeros(24000, np.float32), 48000, subtype="PCM_16")  # the fixture's clip, now silent
    calls = Counter()
    load_audio = waveform_module.load_audio

    def counting(path):
        calls[path] += 1
        return load_audio(path)

    monkeypatch.setattr(waveform_module, "load_audio", counting)
    dataset = load_corpus("ravdess", root, cache_dir=tmp_path / "cache")
    first = decoded_corpus(dataset)
    second = decoded_corpus(load_corpus("ravdess", root, cache_dir=tmp_path / "cache"))
    assert len(calls) == len(dataset) == 24 and set(calls.values()) == {1}  # the second call read the cache
    assert second.cache_files == first.cache_files
    combined, report = combine_corpora({"ravdess": second}, view="N", min_duration=0)
    assert len(combined) == 23 and report.dropped["ravdess"] == {("angry", "no signal (found when decoded)"): 1}


def test_frame_budget_batches_fill_to_the_budget_and_cover_every_clip_once():
    rng = np.random.default_rng(0)
    lengths = rng.integers(200, 1300, size=500).tolist()
    sampler = FrameBudgetBatchSampler(lengths, budget=6000, seed=1)
    first = list(sampler)
    assert sorted(i for batch in first for i in batch) == list(range(500))
    assert all(len(b) * max(lengths[i] for i in b) <= 6000 for b in first)
    assert np.mean([len(b) * max(lengths[i] for i in b) for b in first]) > 0.85 * 6000  # batches are full
    sampler.set_epoch(1)
    assert list(sampler) != first and sorted(i for b in sampler for i in b) == list(range(500))
    assert list(FrameBudgetBatchSampler(lengths, budget=6000, seed=1)) == first
    assert [len(b) for b in FrameBudgetBatchSampler([5000, 100], budget=3000)] == [1, 1]
