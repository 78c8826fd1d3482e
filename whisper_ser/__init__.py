"""whisper-ser: speech emotion recognition on Whisper, trained on many corpora at once.

Importing the package registers `WhisperEmotionConfig`, `WhisperForEmotionClassification` and
`WhisperEmotionFeatureExtractor` with the transformers Auto classes. A saved model names its own pipeline
(`config.custom_pipelines`): `pipeline("audio-classification", model=path, trust_remote_code=True)`, or
`pipeline(..., pipeline_class=EmotionAudioClassificationPipeline)` without remote code; other models keep the
stock pipeline.
"""

from pathlib import Path

from whisper_ser.modeling import (
    EmotionAudioClassificationPipeline,
    WhisperEmotionConfig,
    WhisperEmotionFeatureExtractor,
    WhisperForEmotionClassification,
    load_audio,
)

from .backbones import bundled_backbone, resolve_model_path

__version__ = "0.1.0"
SER_METRICS_PATH = str(Path(__file__).parent / "ser_metrics")
"""The `evaluate` module of the SER metrics, shipped in the package: `evaluate.load(SER_METRICS_PATH)`."""

__all__ = [
    "SER_METRICS_PATH",
    "bundled_backbone",
    "load_audio",
    "resolve_model_path",
    "EmotionAudioClassificationPipeline",
    "WhisperEmotionConfig",
    "WhisperEmotionFeatureExtractor",
    "WhisperForEmotionClassification",
]
