"""Speech emotion recognition demo (Gradio): record or upload audio, see the emotion scores and, for audio
longer than the window, a timeline of emotions over the stretches where someone speaks.

The same file runs locally (`whisper-ser demo --model results/demo/model`) and as a Hugging Face Space
(`python app.py`, the model in `./model` or `WHISPER_SER_MODEL`). It imports neither whisper-ser nor
torchaudio: the model folder brings its code and its pipeline (`trust_remote_code`), and the upload is decoded
by that pipeline, so a file gets the same answer here as from `pipeline("audio-classification")`. Voice activity
comes from silero-vad.
"""

import argparse
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from transformers import pipeline  # noqa: E402

SAMPLING_RATE = 16000
WINDOW_RANGE = (1.0, 30.0)  # seconds; 30 s is Whisper's window
MIN_HOP = 0.5


@dataclass
class Prediction:
    scores: dict[str, float]  # emotion -> probability, averaged over speech segments (weighted by their length)
    segments: list[tuple[float, float, dict[str, float] | None]]  # (start s, end s, scores or None: no speech)


def _windows(start: float, end: float, window: float, hop: float) -> list[tuple[float, float]]:
    if end - start <= window:
        return [(start, end)]
    starts = [start + k * hop for k in range(math.ceil((end - start - window) / hop))] + [end - window]
    return [(s, s + window) for s in starts]


def load_vad():
    """silero-vad's model. Importing silero_vad sets torch to one thread for the whole process; the count the
    process had is put back, so the emotion model keeps its threads."""
    import torch

    threads = torch.get_num_threads()
    from silero_vad import load_silero_vad

    torch.set_num_threads(threads)
    return load_silero_vad()


def speech_regions(audio: np.ndarray, vad) -> list[tuple[float, float]]:
    """Stretches of speech (seconds) found by silero-vad, pauses under 0.5 s bridged."""
    import torch
    from silero_vad import get_speech_timestamps

    stamps = get_speech_timestamps(
        torch.from_numpy(audio), vad, sampling_rate=SAMPLING_RATE, min_silence_duration_ms=500, return_seconds=True
    )
    return [(float(s["start"]), float(min(s["end"], audio.size / SAMPLING_RATE))) for s in stamps]


def check_window(window: float, hop: float) -> None:
    low, high = WINDOW_RANGE
    if not (math.isfinite(window) and low <= window <= high):
        raise ValueError(f"The window must be between {low:g} and {high:g} seconds, got {window}.")
    if not (math.isfinite(hop) and MIN_HOP <= hop <= window):
        raise ValueError(f"The hop must be between {MIN_HOP:g} s and the window ({window:g} s), got {hop}.")


def predict(classifier, audio: np.ndarray, window: float = 10.0, hop: float = 5.0, vad=None) -> Prediction:
    """Scores for a 16-kHz mono clip (as the pipeline decodes it). A clip up to `window` seconds is classified
    whole, exactly as the pipeline does. Longer audio is classified in windows `hop` s apart: with a VAD model
    only over the stretches of speech, the pauses marked; without one, over the whole clip."""
    check_window(window, hop)
    if audio.size == 0:
        raise ValueError("The recording is empty.")
    if classifier.is_silent(audio):  # the pipeline's own test: no signal around the mean
        raise ValueError("The recording is silent (or a constant offset): pick another file or speak closer.")
    duration = audio.size / SAMPLING_RATE
    regions = speech_regions(audio, vad) if vad is not None and duration > window else [(0.0, duration)]
    if not regions:
        raise ValueError("No speech was found in the recording.")
    segments: list[tuple[float, float, dict[str, float] | None]] = []
    cursor = 0.0
    for start, end in regions:
        if start - cursor > 0.01:
            segments.append((cursor, start, None))
        for piece_start, piece_end in _windows(start, end, window, hop):
            piece = audio[int(piece_start * SAMPLING_RATE) : int(piece_end * SAMPLING_RATE)]
            result = classifier({"raw": piece, "sampling_rate": SAMPLING_RATE}, top_k=None)
            segments.append((piece_start, piece_end, {r["label"]: r["score"] for r in result}))
        cursor = end
    if duration - cursor > 0.01:
        segments.append((cursor, duration, None))
    speech = [(start, end, scores) for start, end, scores in segments if scores is not None]
    weights = np.array([end - start for start, end, _ in speech])
    labels = list(speech[0][2])
    scores = {label: float(np.average([s[label] for _, _, s in speech], weights=weights)) for label in labels}
    return Prediction(dict(sorted(scores.items(), key=lambda item: -item[1])), segments)


def timeline_figure(prediction: Prediction):
    """Per-segment probability of each emotion against time; stretches without speech shaded. The legend sits
    beside the axes, never over the curves."""
    figure, axis = plt.subplots(figsize=(9, 3))
    centres = [(start + end) / 2 for start, end, _ in prediction.segments]
    for label in prediction.scores:  # a pause is a gap in each curve (NaN), never a line through it
        values = [np.nan if scores is None else scores[label] for _, _, scores in prediction.segments]
        axis.plot(centres, values, marker="o", label=label)
    pauses = [(start, end) for start, end, scores in prediction.segments if scores is None]
    for i, (start, end) in enumerate(pauses):
        axis.axvspan(start, end, color="0.85", label="no speech" if i == 0 else None)
    axis.set_xlabel("time (s, window centre)")
    axis.set_ylabel("probability")
    axis.set_ylim(0, 1)
    axis.set_xlim(0, prediction.segments[-1][1])
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, borderaxespad=0)
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


def classify(classifier, path: str | None, window: float, hop: float, vad=None):
    """What the page shows for an upload or a recording (a file path): scores, the top emotion, a timeline; every
    failure becomes a message in the page. The file is decoded by the model's pipeline, as `clf(path)` does."""
    if not path:
        return None, "**Record or upload some audio first.**", None
    try:
        audio = classifier.waveform(path)
        prediction = predict(classifier, audio, float(window), float(hop), vad=vad)
    except (ValueError, TypeError, FileNotFoundError) as err:
        return None, f"**Could not classify this audio.** {err}", None
    top = next(iter(prediction.scores))
    figure = timeline_figure(prediction) if len(prediction.segments) > 1 else None
    return prediction.scores, f"Top emotion: **{top}**", figure


def build_app(model: str, window: float = 10.0, hop: float = 5.0) -> gr.Blocks:
    check_window(window, hop)
    classifier = pipeline("audio-classification", model=model, trust_remote_code=True)
    if not hasattr(classifier, "waveform"):
        raise ValueError(
            f"{model}: the model folder has no whisper-ser pipeline (pipeline_whisper_emotion.py and "
            "`custom_pipelines` in config.json); save it again with a current whisper-ser."
        )
    vad = load_vad()

    def on_click(path, window_s, hop_s):
        return classify(classifier, path, window_s, hop_s, vad)

    with gr.Blocks(title="Speech emotion recognition") as app:
        gr.Markdown("# Speech emotion recognition\nWhisper fine-tuned with whisper-ser. Record or upload speech.")
        with gr.Row():
            with gr.Column():
                audio = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Speech")
                with gr.Accordion("Long audio", open=False):
                    window_s = gr.Number(value=window, label="window (s)", minimum=WINDOW_RANGE[0], maximum=30)
                    hop_s = gr.Number(value=hop, label="hop (s)", minimum=MIN_HOP, maximum=30)
                button = gr.Button("Classify", variant="primary")
            with gr.Column():
                top = gr.Markdown(elem_id="top-emotion")
                scores = gr.Label(label="Emotion scores", num_top_classes=10)
                timeline = gr.Plot(label="Emotions over time (audio longer than the window)")
                gr.Markdown(held_out_results(model))
        button.click(on_click, inputs=[audio, window_s, hop_s], outputs=[scores, top, timeline])
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
