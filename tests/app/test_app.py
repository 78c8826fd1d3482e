"""The Gradio app: its prediction function, its errors, the Space push, and the page in headless Chromium."""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from transformers import pipeline

from tests.conftest import ID2LABEL, SOURCE, noise
from whisper_ser.app import predict, to_mono_16k

ARTIFACTS = SOURCE / "test-artifacts"


@pytest.fixture(scope="module")
def classifier(saved_model):
    return pipeline("audio-classification", model=str(saved_model))


def test_scores_sum_to_one_with_the_models_labels(classifier):
    prediction = predict(classifier, noise(3.0), 16000)
    assert set(prediction.scores) == set(ID2LABEL.values())
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert list(prediction.scores.values()) == sorted(prediction.scores.values(), reverse=True)
    assert len(prediction.segments) == 1 and prediction.segments[0][:2] == (0.0, 3.0)


def test_long_audio_gets_a_timeline(classifier):
    audio = np.concatenate([noise(10.0, seed=s) for s in range(4)])  # 40 s
    prediction = predict(classifier, audio, 16000, window=10.0, hop=5.0)
    assert [(start, end) for start, end, _ in prediction.segments] == [(5.0 * i, 5.0 * i + 10) for i in range(7)]
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_files_and_microphone_formats(classifier, tmp_path):
    clip = noise(2.0, seed=3, sr=44100)
    sf.write(tmp_path / "clip.wav", clip, 44100, subtype="PCM_16")
    samples, rate = sf.read(tmp_path / "clip.wav", dtype="int16")  # what gr.Audio(type="numpy") hands over
    from_file = predict(classifier, samples, rate)
    stereo = predict(classifier, np.stack([samples, samples], axis=1), rate)
    assert from_file.scores == pytest.approx(stereo.scores, abs=1e-5)
    assert to_mono_16k(samples, rate).shape == (32000,)


@pytest.mark.parametrize(("audio", "message"), [
    (np.zeros(0, dtype=np.float32), "empty"),
    (np.zeros(16000, dtype=np.float32), "silent"),
    (np.full(16000, np.nan, dtype=np.float32), "invalid"),
])  # fmt: skip
def test_bad_audio_gets_a_readable_error(classifier, audio, message):
    with pytest.raises(ValueError, match=message):
        predict(classifier, audio, 16000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_app_in_headless_chromium(saved_model, classifier, tmp_path):
    from playwright.sync_api import sync_playwright

    clip = noise(2.5, seed=11)
    sf.write(tmp_path / "speech.wav", clip, 16000, subtype="PCM_16")
    expected = next(iter(predict(classifier, sf.read(tmp_path / "speech.wav", dtype="int16")[0], 16000).scores))
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
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )  # fmt: skip
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
            page.locator("input[type=file]").first.set_input_files(str(tmp_path / "speech.wav"))
            page.wait_for_timeout(1500)
            page.get_by_role("button", name="Classify").click()
            page.locator("#top-emotion").get_by_text("Top emotion").wait_for(timeout=60000)
            text = page.locator("#top-emotion").inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
            browser.close()
        assert text.strip() == f"Top emotion: {expected}"
        assert (ARTIFACTS / "app.png").stat().st_size > 10000
    finally:
        server.terminate()
        server.wait(timeout=30)
