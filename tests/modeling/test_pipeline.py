"""pipeline("audio-classification") on a saved model, with the inputs users bring: files written by other tools
(ffmpeg's float32 WAV, MP3, AAC in mp4), arrays at other rates, int PCM, stereo, URLs, batches, silence."""

import http.server
import subprocess
import threading
import warnings

import numpy as np
import pytest
import soundfile as sf
import torch
from transformers import AudioClassificationPipeline, WhisperConfig, WhisperForAudioClassification, pipeline

import whisper_ser
from tests.conftest import ID2LABEL, TINY_WHISPER, noise
from whisper_ser.modeling import (
    SilentAudioWarning,
    WhisperEmotionFeatureExtractor,
    WhisperForEmotionClassification,
)


@pytest.fixture(scope="module")
def classifier(saved_model):
    return pipeline("audio-classification", model=str(saved_model), trust_remote_code=True)


def reference_scores(saved_model, clip16k: np.ndarray) -> dict[str, float]:
    model = WhisperForEmotionClassification.from_pretrained(saved_model).eval()
    with torch.no_grad():
        logits = model(**WhisperEmotionFeatureExtractor()(clip16k, sampling_rate=16000, return_tensors="pt")).logits
    return {ID2LABEL[i]: p for i, p in enumerate(logits.softmax(-1)[0].tolist())}


def as_dict(result) -> dict[str, float]:
    return {r["label"]: r["score"] for r in result}


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


def ffmpeg_decode(path) -> np.ndarray:
    """The reference decode: ffmpeg itself, to 16-kHz mono float32."""
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(path), "-ac", "1", "-ar", "16000", "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32)


def test_the_model_names_its_pipeline_and_other_models_keep_the_stock_one(classifier, saved_model, tmp_path):
    assert type(classifier).__name__ == "EmotionAudioClassificationPipeline"
    assert (saved_model / "pipeline_whisper_emotion.py").is_file()
    torch.manual_seed(0)
    config = WhisperConfig(**TINY_WHISPER, num_labels=2)
    WhisperForAudioClassification(config).save_pretrained(tmp_path)
    WhisperEmotionFeatureExtractor().save_pretrained(tmp_path)
    stock = pipeline("audio-classification", model=str(tmp_path))
    assert type(stock) is AudioClassificationPipeline  # `import whisper_ser` replaced no stock task
    local = pipeline(
        "audio-classification", model=str(saved_model), pipeline_class=whisper_ser.EmotionAudioClassificationPipeline
    )
    clip = noise(2.0)
    assert as_dict(local(clip, sampling_rate=16000, top_k=None)) == pytest.approx(
        as_dict(classifier(clip, sampling_rate=16000, top_k=None)), abs=1e-6
    )


def test_array_gives_all_emotions_with_scores(classifier, saved_model):
    clip = noise(3.0)
    result = classifier(clip, sampling_rate=16000, top_k=None)
    assert sorted(r["label"] for r in result) == sorted(ID2LABEL.values())
    assert sum(r["score"] for r in result) == pytest.approx(1.0, abs=1e-5)
    assert as_dict(result) == pytest.approx(reference_scores(saved_model, clip), abs=1e-5)
    assert len(classifier(clip, sampling_rate=16000, top_k=2)) == 2
    with pytest.warns(UserWarning, match="No `sampling_rate`"):
        classifier(clip)


def test_files_written_by_other_tools(classifier, saved_model, tmp_path):
    source = tmp_path / "source.wav"
    sf.write(source, noise(2.0, seed=2), 16000, subtype="PCM_16")
    ffmpeg("-i", str(source), "-c:a", "pcm_f32le", str(tmp_path / "f32.wav"))  # WAVE_FORMAT_EXTENSIBLE, float
    assert (tmp_path / "f32.wav").read_bytes()[20:22] == b"\xfe\xff"  # ffmpeg's extensible header, as reported
    ffmpeg("-i", str(source), "-c:a", "flac", str(tmp_path / "clip.flac"))
    ffmpeg("-i", str(source), "-c:a", "libmp3lame", "-b:a", "128k", str(tmp_path / "clip.mp3"))
    ffmpeg("-i", str(source), "-c:a", "aac", "-b:a", "128k", str(tmp_path / "clip.mp4"))
    ffmpeg("-i", str(source), "-ac", "2", "-ar", "44100", "-c:a", "pcm_s24le", str(tmp_path / "stereo44k.wav"))
    samples = sf.read(source, dtype="float32")[0]
    np.testing.assert_allclose(classifier.waveform(str(tmp_path / "f32.wav")), samples, atol=1e-7)  # not int32
    pcm = reference_scores(saved_model, samples)
    for name in ("f32.wav", "clip.flac"):  # lossless: the same scores as the PCM source
        assert as_dict(classifier(str(tmp_path / name), top_k=None)) == pytest.approx(pcm, abs=1e-5), name
    for name in ("clip.mp3", "clip.mp4", "stereo44k.wav"):  # against ffmpeg's own decode (and resampler)
        expected = reference_scores(saved_model, ffmpeg_decode(tmp_path / name))
        assert as_dict(classifier(str(tmp_path / name), top_k=None)) == pytest.approx(expected, abs=2e-3), name
    files = [str(tmp_path / n) for n in ("f32.wav", "clip.flac", "clip.mp3", "clip.mp4")]
    batched = classifier(files, batch_size=8, top_k=None)
    for name, result in zip(files, batched, strict=True):
        assert as_dict(result) == pytest.approx(as_dict(classifier(name, top_k=None)), abs=1e-4), name


def test_batches_over_mixed_lengths_give_each_clips_own_scores(classifier):
    clips = [noise(seconds, seed=i) for i, seconds in enumerate((1.0, 4.5, 2.2, 9.0, 3.3))]
    alone = [as_dict(classifier(clip, sampling_rate=16000, top_k=None)) for clip in clips]
    batched = classifier(clips, sampling_rate=16000, batch_size=2, top_k=None)
    for expected, result in zip(alone, batched, strict=True):
        assert as_dict(result) == pytest.approx(expected, abs=1e-4)


def test_rates_channels_and_sample_formats(classifier, saved_model):
    clip = noise(2.0, seed=3, sr=44100)
    as_kwarg = as_dict(classifier(clip, sampling_rate=44100, top_k=None))
    assert as_kwarg == pytest.approx(as_dict(classifier({"raw": clip, "sampling_rate": 44100}, top_k=None)))
    assert as_kwarg == pytest.approx(reference_scores(saved_model, ffmpeg_resampled(clip, 44100)), abs=2e-3)
    stereo = np.stack([clip, clip], axis=1)
    assert as_dict(classifier(stereo, sampling_rate=44100, top_k=None)) == pytest.approx(as_kwarg, abs=1e-6)
    assert as_dict(classifier(stereo.T.copy(), sampling_rate=44100, top_k=None)) == pytest.approx(as_kwarg, abs=1e-6)
    pcm16 = np.round(clip * 32767).astype(np.int16)
    assert as_dict(classifier(pcm16, sampling_rate=44100, top_k=None)) == pytest.approx(as_kwarg, abs=1e-3)
    pcm8 = np.round(clip * 127 + 128).astype(np.uint8)  # unsigned 8-bit: offset 128
    assert as_dict(classifier(pcm8, sampling_rate=44100, top_k=None)) == pytest.approx(as_kwarg, abs=2e-2)


def ffmpeg_resampled(clip: np.ndarray, rate: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "-", "-ar", "16000",
         "-f", "f32le", "-"],
        input=clip.astype(np.float32).tobytes(), check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.float32)


def test_silence_is_flagged(classifier):
    for audio in (np.zeros(16000, dtype=np.float32), np.full(16000, 0.25, dtype=np.float32)):  # silence, DC
        with pytest.warns(UserWarning, match="no signal") as caught:
            classifier(audio, sampling_rate=16000)
        assert type(caught[0].message).__name__ == SilentAudioWarning.__name__  # the remote-code copy's class
        with pytest.raises(ValueError, match="no signal"):
            classifier(audio, sampling_rate=16000, on_silence="error")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*no signal")
        classifier(noise(1.0), sampling_rate=16000)


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_urls_are_fetched_and_http_errors_named(classifier, tmp_path):
    sf.write(tmp_path / "clip.wav", noise(1.5), 16000, subtype="PCM_16")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _Files(*a, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert as_dict(classifier(f"{base}/clip.wav", top_k=None)) == pytest.approx(
            as_dict(classifier(str(tmp_path / "clip.wav"), top_k=None)), abs=1e-6
        )
        with pytest.raises(ValueError, match=r"missing\.wav: HTTP 404"):
            classifier(f"{base}/missing.wav")
    finally:
        server.shutdown()


def test_bad_input_gets_clear_errors(classifier, tmp_path):
    with pytest.raises(ValueError, match="empty"):
        classifier(np.zeros(0, dtype=np.float32), sampling_rate=16000)
    with pytest.raises(ValueError, match="NaN"):
        classifier(np.full(16000, np.nan, dtype=np.float32), sampling_rate=16000)
    with pytest.raises(TypeError, match="`sampling_rate` must be a positive integer"):
        classifier({"raw": noise(1.0), "sampling_rate": None})
    with pytest.raises(ValueError, match="empty list"):
        classifier([])
    with pytest.raises(TypeError, match="unsupported arguments"):
        classifier(noise(1.0), sampling_rat=16000)
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.wav.*0 bytes"):
        classifier(str(tmp_path / "empty.wav"))
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVEnot really audio")
    with pytest.raises(ValueError, match="broken.wav"):
        classifier(str(broken))
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        classifier(str(tmp_path / "missing.wav"))
