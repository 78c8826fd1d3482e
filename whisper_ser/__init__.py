"""whisper-ser: speech emotion recognition on Whisper, trained on many corpora at once.

Importing the package registers `WhisperEmotionConfig`, `WhisperForEmotionClassification` and
`WhisperEmotionFeatureExtractor` with the transformers Auto classes, and serves
`pipeline("audio-classification")` with a pipeline that resamples raw arrays without torchaudio.
"""

from .backbones import bundled_backbone, resolve_model_path
from .modeling import WhisperEmotionConfig, WhisperEmotionFeatureExtractor, WhisperForEmotionClassification
from .pipeline import EmotionAudioClassificationPipeline, register_pipeline

register_pipeline()

__version__ = "0.1.0"

__all__ = [
    "bundled_backbone",
    "resolve_model_path",
    "EmotionAudioClassificationPipeline",
    "WhisperEmotionConfig",
    "WhisperEmotionFeatureExtractor",
    "WhisperForEmotionClassification",
]
