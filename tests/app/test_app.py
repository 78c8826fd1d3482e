"""The Gradio app: its prediction function, its errors, the Space push, and the page in headless Chromium."""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from transformers import pipeline

from tests.conftest import ID2LABEL, SOURCE, espeak, noise
from whisper_ser.app import classify, load_vad, predict, timeline_figure

ARTIFACTS = SOURCE / "test-artifacts"


@pytest.fixture(scope="module")
def classifier(saved_model):
    return pipeline("audio-classification", model=str(saved_model), trust_remote_code=True)


@pytest.fixture(scope="module")
def vad():
    import torch

    threads = torch.get_num_threads()
    model = load_vad()
    assert torch.get_num_threads() == threads  # silero_vad's import sets 1 thread; the app puts it back
    return model


def test_scores_sum_to_one_with_the_models_labels(classifier):
    prediction = predict(classifier, noise(3.0))
    assert set(prediction.scores) == set(ID2LABEL.values())
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert list(prediction.scores.values()) == sorted(prediction.scores.values(), reverse=True)
    assert len(prediction.segments) == 1 and prediction.segments[0][:2] == (0.0, 3.0)


def test_long_audio_without_vad_gets_fixed_windows(classifier):
    audio = np.concatenate([noise(10.0, seed=s) for s in range(4)])  # 40 s
    prediction = predict(classifier, audio, window=10.0, hop=5.0)
    assert [(start, end) for start, end, _ in prediction.segments] == [(5.0 * i, 5.0 * i + 10) for i in range(7)]
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_long_audio_timeline_follows_voice_activity(classifier, vad, tmp_path):
    """Three spoken sentences (espeak-ng) with 4-s pauses: the pauses are marked, not classified."""
    pause = np.zeros(4 * 16000, dtype=np.float32)
    sentences = [espeak(text, tmp_path / f"{i}.wav") for i, text in enumerate(SENTENCES)]
    audio = np.concatenate([pause, sentences[0], pause, sentences[1], pause, sentences[2], pause])
    prediction = predict(classifier, audio, window=2.0, hop=1.0, vad=vad)
    spoken, edges = [], 4.0
    for sentence in sentences:
        spoken.append((edges, edges + sentence.size / 16000))
        edges += sentence.size / 16000 + 4.0
    silent = [(start, end) for start, end, scores in prediction.segments if scores is None]
    assert len(silent) == 4 and silent[0][0] == 0.0 and silent[-1][1] == pytest.approx(audio.size / 16000)
    for start, end, scores in prediction.segments:
        if scores is not None:  # classified windows lie in a sentence (VAD pads its edges by ~0.1 s)
            assert any(a - 0.3 <= start and end <= b + 0.3 for a, b in spoken), (start, end)
            assert end - start <= 2.0 + 1e-6
    figure = timeline_figure(prediction)
    figure.savefig(tmp_path / "timeline.png")
    legend = figure.axes[0].get_legend()
    assert legend.get_window_extent().x0 >= figure.axes[0].get_window_extent().x1  # beside the curves


def float32_speech(text: str, folder) -> None:
    """`folder/float32.wav`: espeak-ng speech re-encoded by ffmpeg as float32 (WAVE_FORMAT_EXTENSIBLE)."""
    espeak(text, folder / "speech.wav")
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(folder / "speech.wav"), "-c:a", "pcm_f32le",
         str(folder / "float32.wav")],
        check=True,
    )  # fmt: skip


def test_an_upload_gets_the_pipelines_answer_for_that_file(classifier, tmp_path):
    float32_speech("Dogs are sitting by the door.", tmp_path)
    scores, top, _ = classify(classifier, str(tmp_path / "float32.wav"), 10.0, 5.0)
    expected = {r["label"]: r["score"] for r in classifier(str(tmp_path / "float32.wav"), top_k=None)}
    assert scores == pytest.approx(expected, abs=1e-6) and top == f"Top emotion: **{max(expected, key=expected.get)}**"
    (tmp_path / "empty.wav").write_bytes(b"")
    for path, message in ((None, "Record or upload"), (str(tmp_path / "empty.wav"), "0 bytes")):
        scores, text, figure = classify(classifier, path, 10.0, 5.0)
        assert scores is None and figure is None and message in text


SENTENCES = ("The kids are talking by the door.", "Dogs are sitting by the door.", "It is eleven o'clock.")


@pytest.mark.parametrize(("audio", "window", "hop", "message"), [
    (np.zeros(0, dtype=np.float32), 10.0, 5.0, "empty"),
    (np.zeros(16000, dtype=np.float32), 10.0, 5.0, "silent"),
    (np.full(16000, 0.3, dtype=np.float32), 10.0, 5.0, "constant offset"),
    (noise(40.0), 10.0, 0.001, "hop must be between"),
    (noise(3.0), float("nan"), 5.0, "window must be between"),
    (noise(3.0), 45.0, 5.0, "window must be between"),
])  # fmt: skip
def test_bad_audio_and_settings_get_a_readable_error(classifier, audio, window, hop, message):
    with pytest.raises(ValueError, match=message):
        predict(classifier, audio, window, hop)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_app_in_headless_chromium(saved_model, classifier, tmp_path):
    """Uploads as a user would: an ffmpeg float32 WAV (extensible header) gets the pipeline's answer for that
    file; a corrupt and an empty file get a message in the page."""
    from playwright.sync_api import sync_playwright

    float32_speech("The kids are talking by the door.", tmp_path)
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage that is not audio")
    expected = classifier(str(tmp_path / "float32.wav"), top_k=1)[0]["label"]
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "whisper_ser.cli", "demo", "--model", str(saved_model), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 120
        while True:
            assert server.poll() is None, server.stdout.read()[-3000:]
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.time() < deadline, "the app did not start"
            time.sleep(0.3)
        texts = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )  # fmt: skip
            for name in ("float32.wav", "corrupt.wav"):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
                page.locator("input[type=file]").first.set_input_files(str(tmp_path / name))
                page.wait_for_timeout(1500)
                page.get_by_role("button", name="Classify").click()
                page.locator("#top-emotion").get_by_text("Top emotion:").or_(
                    page.locator("#top-emotion").get_by_text("Could not classify")
                ).wait_for(timeout=60000)
                texts[name] = page.locator("#top-emotion").inner_text().strip()
                if name == "float32.wav":
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
                page.close()
            browser.close()
        assert texts["float32.wav"] == f"Top emotion: {expected}"
        assert (
            texts["corrupt.wav"].startswith("Could not classify this audio.") and "corrupt.wav" in texts["corrupt.wav"]
        )
        assert (ARTIFACTS / "app.png").stat().st_size > 10000
    finally:
        server.terminate()
        server.wait(timeout=30)
