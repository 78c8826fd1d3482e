"""Configuration of `WhisperForEmotionClassification` (self-contained: ships to the Hub as remote code)."""

from transformers import WhisperConfig

POOLING_MODES = ("encoder_decoder", "mean", "attention", "layer_weighted_mean")


class WhisperEmotionConfig(WhisperConfig):
    r"""
    Configuration of a [`WhisperForEmotionClassification`]: every Whisper backbone setting of
    [`WhisperConfig`] plus the emotion head.

    Args:
        pooling (`str`, *optional*, defaults to `"encoder_decoder"`):
            How a clip becomes one fixed-size embedding. `"encoder_decoder"` (the paper's): the decoder's last
            hidden state at the `decoder_start_token_id` position, cross-attending to the clip's valid encoder
            frames. `"mean"`: masked mean of the encoder output over valid frames. `"attention"`: a learned
            softmax-weighted sum over valid encoder frames. `"layer_weighted_mean"` (the SUPERB/EmoBox practice):
            a learned softmax-weighted sum over all encoder layers (input embeddings, every layer, the final
            layer-normed output) of their masked means over valid frames. Only `"encoder_decoder"` builds the
            decoder.
        classifier_hidden_sizes (`list[int]`, *optional*, defaults to `[4096, 2048, 1024, 512]`):
            Widths of the MLP head's hidden layers, each followed by ReLU; a last linear layer maps to the labels.
        classifier_dropout (`float`, *optional*, defaults to 0.0):
            Dropout applied after every hidden layer of the head.
        freeze_encoder (`bool`, *optional*, defaults to `False`):
            Keep the encoder's weights fixed (the paper fine-tunes the whole model).

    Example:

    ```python
    >>> from whisper_ser.modeling import WhisperEmotionConfig, WhisperForEmotionClassification
    >>> config = WhisperEmotionConfig(pooling="mean", id2label={0: "neutral", 1: "angry"})
    >>> model = WhisperForEmotionClassification(config)
    ```"""

    model_type = "whisper_emotion"

    pooling: str = "encoder_decoder"
    classifier_hidden_sizes: list[int] | tuple[int, ...] = (4096, 2048, 1024, 512)
    classifier_dropout: float | int = 0.0
    freeze_encoder: bool = False

    def __post_init__(self, **kwargs):
        self.validate_emotion_head()
        kwargs.pop("model_type", None)  # a stock Whisper config.json says "whisper": this config stays ours
        super().__post_init__(**kwargs)
        self.validate_emotion_head()

    def validate_emotion_head(self):
        """Check the emotion settings. Also run by the model's `__init__`: `from_pretrained(path, pooling=...)`
        sets overrides after the config was built, past `__post_init__`."""
        if self.pooling not in POOLING_MODES:
            raise ValueError(f"`pooling` must be one of {POOLING_MODES}, got {self.pooling!r}.")
        if isinstance(self.classifier_hidden_sizes, (str, int)) or not all(
            isinstance(size, int) and not isinstance(size, bool) and size > 0 for size in self.classifier_hidden_sizes
        ):
            raise ValueError(
                f"`classifier_hidden_sizes` must be a list of positive integers, got {self.classifier_hidden_sizes!r}."
            )
        self.classifier_hidden_sizes = list(self.classifier_hidden_sizes)
        if not 0.0 <= self.classifier_dropout < 1.0:
            raise ValueError(f"`classifier_dropout` must be in [0, 1), got {self.classifier_dropout}.")
        if hasattr(self, "vocab_size") and self.pooling == "encoder_decoder":
            if not 0 <= self.decoder_start_token_id < self.vocab_size:
                raise ValueError(
                    f"`decoder_start_token_id` ({self.decoder_start_token_id}) must index the vocabulary "
                    f"(size {self.vocab_size}) for `pooling='encoder_decoder'`."
                )


__all__ = ["POOLING_MODES", "WhisperEmotionConfig"]
