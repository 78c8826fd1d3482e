"""Speech emotion recognition demo (Gradio): record or upload audio, see the emotion scores and, for audio
longer than the window, a timeline of emotions per segment.

The same file runs locally (`whisper-ser demo --model results/demo/model`) and as a Hugging Face Space
(`python app.py`, the model in `./model` or `WHISPER_SER_MODEL`). It imports neither whisper-ser nor
torchaudio: the model's code comes with it (`trust_remote_code`) and audio is resampled with scipy here.
"""

import argparse
import json
import os
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import gradio as gr
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.signal import resample_poly  # noqa: E402
from transformers import pipeline  # noqa: E402

SAMPLING_RATE = 16000
SILENCE_RMS = 1e-4


@dataclass
class Prediction:
    scores: dict[str, float]  # emotion -> probability, averaged over segments (weighted by their length)
    segments: list[tuple[float, float, dict[str, float]]]  # (start s, end s, scores) per window


def to_mono_16k(waveform: np.ndarray, sampling_rate: int) -> np.ndarray:
    """Float32 mono at 16 kHz from what a microphone or file gives (int PCM or float, mono or channels last)."""
    audio = np.asarray(waveform)
    if audio.size == 0:
        raise ValueError("The recording is empty.")
    if audio.dtype.kind in "iu":
        audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max)
    audio = audio.astype(np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=1 if audio.shape[1] <= 8 else 0)
    if not np.isfinite(audio).all():
        raise ValueError("The recording contains invalid (NaN or infinite) samples.")
    if sampling_rate != SAMPLING_RATE:
        factor = gcd(int(sampling_rate), SAMPLING_RATE)
        audio = resample_poly(audio, SAMPLING_RATE // factor, int(sampling_rate) // factor).astype(np.float32)
    if float(np.sqrt(np.mean(audio**2))) < SILENCE_RMS:
        raise ValueError("The recording is silent: speak closer to the microphone or pick another file.")
    return audio


def predict(
    classifier, waveform: np.ndarray, sampling_rate: int, window: float = 10.0, hop: float = 5.0
) -> Prediction:
    """Scores for a clip; audio longer than `window` seconds is classified in windows `hop` seconds apart."""
    if window <= 0 or hop <= 0:
        raise ValueError("`window` and `hop` must be positive.")
    audio = to_mono_16k(waveform, sampling_rate)
    duration = audio.size / SAMPLING_RATE
    starts = [0.0] if duration <= window else list(np.arange(0.0, duration - window, hop)) + [duration - window]
    segments = []
    for start in starts:
        piece = audio[int(start * SAMPLING_RATE) : int(min(start + window, duration) * SAMPLING_RATE)]
        result = classifier({"raw": piece, "sampling_rate": SAMPLING_RATE}, top_k=None)
        segments.append((float(start), float(min(start + window, duration)), {r["label"]: r["score"] for r in result}))
    weights = np.array([end - start for start, end, _ in segments])
    labels = list(segments[0][2])
    scores = {label: float(np.average([s[label] for _, _, s in segments], weights=weights)) for label in labels}
    return Prediction(dict(sorted(scores.items(), key=lambda item: -item[1])), segments)


def timeline_figure(prediction: Prediction):
    """Per-segment probability of each emotion against time (one line per emotion)."""
    figure, axis = plt.subplots(figsize=(8, 3))
    centres = [(start + end) / 2 for start, end, _ in prediction.segments]
    for label in prediction.scores:
        axis.plot(centres, [scores[label] for _, _, scores in prediction.segments], marker="o", label=label)
    axis.set_xlabel("time (s, window centre)")
    axis.set_ylabel("probability")
    axis.set_ylim(0, 1)
    axis.legend(loc="upper right", fontsize=8, ncol=3)
    figure.tight_layout()
    return figure


def held_out_results(model: str) -> str:
    """The model's held-out results as Markdown: from `metrics.json` next to a local model, else its card."""
    metrics_file = Path(model).parent / "metrics.json"
    if metrics_file.is_file():
        metrics = json.loads(metrics_file.read_text())
        rows = [
            f"| {corpus} | {100 * s['accuracy']:.1f} | {100 * s['unweighted_accuracy']:.1f} | {s['n']} |"
            for corpus, s in sorted(metrics["test"].items())
        ]
        return "\n".join(
            [
                "**Held-out speakers** (never seen in training)",
                "",
                "| corpus | WA % | UA % | clips |",
                "|---|---|---|---|",
                *rows,
            ]
        )
    try:
        from huggingface_hub import ModelCard

        card = ModelCard.load(str(Path(model) / "README.md") if Path(model).is_dir() else model)
        results = card.data.eval_results or []
    except Exception:  # no card (a bare local folder) or no Hub access: show nothing rather than fail
        return "*No held-out results were published with this model.*"
    rows = [f"| {r.dataset_type} | {r.metric_name} | {r.metric_value:.3f} |" for r in results]
    return "\n".join(["**Held-out speakers**", "", "| corpus | metric | value |", "|---|---|---|", *rows])


def build_app(model: str, window: float = 10.0, hop: float = 5.0) -> gr.Blocks:
    classifier = pipeline("audio-classification", model=model, trust_remote_code=True)

    def classify(audio, window_s, hop_s):
        if audio is None:
            raise gr.Error("Record or upload some audio first.")
        sampling_rate, waveform = audio
        try:
            prediction = predict(classifier, waveform, sampling_rate, float(window_s), float(hop_s))
        except ValueError as err:
            raise gr.Error(str(err)) from None
        top = next(iter(prediction.scores))
        figure = timeline_figure(prediction) if len(prediction.segments) > 1 else None
        return prediction.scores, f"Top emotion: **{top}**", figure

    with gr.Blocks(title="Speech emotion recognition") as app:
        gr.Markdown("# Speech emotion recognition\nWhisper fine-tuned with whisper-ser. Record or upload speech.")
        with gr.Row():
            with gr.Column():
                audio = gr.Audio(sources=["upload", "microphone"], type="numpy", label="Speech")
                with gr.Accordion("Long audio", open=False):
                    window_s = gr.Number(value=window, label="window (s)", minimum=1, maximum=30)
                    hop_s = gr.Number(value=hop, label="hop (s)", minimum=0.5, maximum=30)
                button = gr.Button("Classify", variant="primary")
            with gr.Column():
                top = gr.Markdown(elem_id="top-emotion")
                scores = gr.Label(label="Emotion scores", num_top_classes=10)
                timeline = gr.Plot(label="Emotions over time (audio longer than the window)")
                gr.Markdown(held_out_results(model))
        button.click(classify, inputs=[audio, window_s, hop_s], outputs=[scores, top, timeline])
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=os.environ.get("WHISPER_SER_MODEL", "model"))
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--hop", type=float, default=5.0)
    args = parser.parse_args(argv)
    build_app(args.model, args.window, args.hop).launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
