"""whisper-ser: speech emotion recognition on Whisper, trained on many corpora at once.

Importing the package registers `WhisperEmotionConfig`, `WhisperForEmotionClassification` and
`WhisperEmotionFeatureExtractor` with the transformers Auto classes, and serves
`pipeline("audio-classification")` with a pipeline that resamples raw arrays without torchaudio.
"""

from pathlib import Path

from whisper_ser.modeling import WhisperEmotionConfig, WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

from .backbones import bundled_backbone, resolve_model_path
from .pipeline import EmotionAudioClassificationPipeline, register_pipeline

register_pipeline()

__version__ = "0.1.0"
SER_METRICS_PATH = str(Path(__file__).parent / "ser_metrics")
"""The `evaluate` module of the SER metrics, shipped in the package: `evaluate.load(SER_METRICS_PATH)`."""

__all__ = [
    "SER_METRICS_PATH",
    "bundled_backbone",
    "resolve_model_path",
    "EmotionAudioClassificationPipeline",
    "WhisperEmotionConfig",
    "WhisperEmotionFeatureExtractor",
    "WhisperForEmotionClassification",
]
