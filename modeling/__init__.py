"""Config, feature extractor and model of whisper-ser, registered with the transformers Auto classes.

The config, feature-extraction and modeling files import only torch and transformers, so `save_pretrained` copies
them next to the weights and `trust_remote_code=True` loads the model where whisper-ser is not installed; the
pipeline file (copied too) adds soundfile and soxr for decoding and resampling.
"""

from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification

from .configuration_whisper_emotion import POOLING_MODES, WhisperEmotionConfig
from .feature_extraction_whisper_emotion import WhisperEmotionFeatureExtractor
from .modeling_whisper_emotion import WhisperEmotionClassifierOutput, WhisperForEmotionClassification
from .pipeline_whisper_emotion import EmotionAudioClassificationPipeline, SilentAudioWarning, load_audio

AutoConfig.register(WhisperEmotionConfig.model_type, WhisperEmotionConfig, exist_ok=True)
AutoModel.register(WhisperEmotionConfig, WhisperForEmotionClassification, exist_ok=True)
AutoModelForAudioClassification.register(WhisperEmotionConfig, WhisperForEmotionClassification, exist_ok=True)
AutoFeatureExtractor.register(WhisperEmotionConfig, WhisperEmotionFeatureExtractor, exist_ok=True)

WhisperEmotionConfig.register_for_auto_class()
WhisperForEmotionClassification.register_for_auto_class("AutoModelForAudioClassification")
WhisperEmotionFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")

__all__ = [
    "EmotionAudioClassificationPipeline",
    "POOLING_MODES",
    "SilentAudioWarning",
    "WhisperEmotionClassifierOutput",
    "WhisperEmotionConfig",
    "WhisperEmotionFeatureExtractor",
    "WhisperForEmotionClassification",
    "load_audio",
]
