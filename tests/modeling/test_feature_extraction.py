"""WhisperEmotionFeatureExtractor: per-clip features, longest padding, validation."""

import numpy as np
import pytest
import torch
from transformers import WhisperFeatureExtractor
from transformers.testing_utils import CaptureLogger
from transformers.utils import logging

from tests.conftest import noise
from whisper_ser.modeling import WhisperEmotionFeatureExtractor


def test_pads_to_longest_clip_with_frame_mask():
    batch = WhisperEmotionFeatureExtractor()(
        [noise(3.0), noise(9.0, seed=1)], sampling_rate=16000, return_tensors="pt"
    )
    assert batch["input_features"].shape == (2, 80, 900)
    assert batch["attention_mask"].sum(-1).tolist() == [300, 900]
    assert batch["input_features"][0, :, 300:].abs().sum() == 0


def test_each_clip_equals_stock_features_of_that_clip_alone():
    clip = noise(4.0, seed=3)
    ours = WhisperEmotionFeatureExtractor()([clip, noise(7.0)], sampling_rate=16000)["input_features"][0, :, :400]
    stock = WhisperFeatureExtractor()(clip, sampling_rate=16000, padding="longest")["input_features"][0]
    np.testing.assert_allclose(ours, stock, atol=1e-6)


def test_max_length_padding_reproduces_the_stock_30s_input():
    clip = noise(5.0)
    ours = WhisperEmotionFeatureExtractor()(clip, sampling_rate=16000, padding="max_length")
    assert ours["input_features"].shape == (1, 80, 3000) and ours["attention_mask"].sum() == 500


def test_save_and_reload_keeps_the_class(tmp_path):
    WhisperEmotionFeatureExtractor(feature_size=128).save_pretrained(tmp_path)
    loaded = WhisperEmotionFeatureExtractor.from_pretrained(tmp_path)
    assert loaded.feature_size == 128 and loaded.return_attention_mask


@pytest.mark.parametrize(
    ("clip", "error", "message"),
    [
        (np.zeros(0, dtype=np.float32), ValueError, "too short"),
        (np.full(16000, np.nan, dtype=np.float32), ValueError, "NaN"),
        ((np.ones(16000) * 1000).astype(np.int16), TypeError, "floating-point"),
        (np.zeros((2, 16000), dtype=np.float32)[None], ValueError, "mono"),
        (np.zeros((16000, 2), dtype=np.float32), ValueError, r"shape \(16000, 2\).*Downmix"),  # stereo, channels last
        (np.zeros((2, 16000), dtype=np.float32), ValueError, r"shape \(2, 16000\).*list of 1-D clips"),
        (np.zeros(16000 * 31, dtype=np.float32), ValueError, "30-s window"),
    ],
)
def test_bad_audio_gets_a_clear_error(clip, error, message):
    with pytest.raises(error, match=message):
        WhisperEmotionFeatureExtractor()(clip, sampling_rate=16000)


def test_wrong_rate_and_unknown_arguments_are_refused():
    extractor = WhisperEmotionFeatureExtractor()
    with pytest.raises(ValueError, match="44100 Hz"):
        extractor(noise(1.0), sampling_rate=44100)
    with pytest.raises(TypeError, match="unsupported arguments"):
        extractor(noise(1.0), sampling_rate=16000, truncation=True)
    with pytest.raises(TypeError, match="must be an integer"):
        extractor(noise(1.0), sampling_rate="16000")
    with CaptureLogger(logging.get_logger(type(extractor).__module__)) as captured:
        extractor(noise(1.0))
    assert "No `sampling_rate`" in captured.out
    assert extractor(torch.from_numpy(noise(1.0)), sampling_rate=16000)["attention_mask"].sum() == 100


def test_one_stft_over_the_batch_gives_each_clip_its_features_alone():
    """The batched path (one STFT for the whole batch, what runs on CUDA) equals stock Whisper's features of each
    clip alone, also for a quiet clip beside loud ones (its dynamic-range floor is its own) and a 30-ms clip."""
    clips = [noise(2.37, seed=1), noise(1.0, seed=2) * 1e-3, noise(0.03, seed=3), noise(4.0, seed=4)]
    batched = WhisperEmotionFeatureExtractor()._log_mel([torch.from_numpy(c) for c in clips], torch.device("cpu"))
    assert batched.shape == (4, 80, 400)
    stock = WhisperFeatureExtractor()
    for i, clip in enumerate(clips):
        alone = torch.from_numpy(stock._torch_extract_fbank_features(clip, "cpu"))
        frames = alone.shape[-1]
        torch.testing.assert_close(batched[i, :, :frames], alone, rtol=0, atol=1e-6)
        assert batched[i, :, frames:].abs().sum() == 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_features_on_cuda_equal_the_cpu_features_and_stay_on_the_gpu():
    extractor = WhisperEmotionFeatureExtractor()
    clips = [noise(3.0), noise(9.0, seed=1) * 1e-3, noise(0.5, seed=2)]
    cpu = extractor(clips, sampling_rate=16000, return_tensors="pt")
    gpu = extractor(clips, sampling_rate=16000, return_tensors="pt", device="cuda")
    assert gpu["input_features"].is_cuda and gpu["attention_mask"].is_cuda
    torch.testing.assert_close(gpu["attention_mask"].cpu(), cpu["attention_mask"], rtol=0, atol=0)
    torch.testing.assert_close(gpu["input_features"].cpu(), cpu["input_features"], rtol=0, atol=1e-4)
    stock_30s = extractor(clips, sampling_rate=16000, padding="max_length", device="cuda")  # NumPy, as asked
    assert isinstance(stock_30s["input_features"], np.ndarray) and stock_30s["input_features"].shape == (3, 80, 3000)
    np.testing.assert_allclose(stock_30s["input_features"][:, :, :900], cpu["input_features"].numpy(), atol=1e-4)
