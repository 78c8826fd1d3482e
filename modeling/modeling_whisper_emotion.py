"""Whisper-based speech emotion classifier (self-contained: ships to the Hub as remote code)."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from transformers import initialization as init
from transformers.modeling_outputs import ModelOutput
from transformers.models.whisper.modeling_whisper import WhisperDecoder, WhisperEncoder, WhisperPreTrainedModel

from .configuration_whisper_emotion import WhisperEmotionConfig


@dataclass
class WhisperEmotionClassifierOutput(ModelOutput):
    """
    Output of [`WhisperForEmotionClassification`].

    Args:
        loss (`torch.FloatTensor` of shape `(1,)`, *optional*): cross-entropy, when `labels` are given.
        logits (`torch.FloatTensor` of shape `(batch_size, num_labels)`): classification scores before softmax.
        embeddings (`torch.FloatTensor` of shape `(batch_size, d_model)`): the pooled utterance embedding fed to
            the head (what a t-SNE plot shows).
        hidden_states (`tuple(torch.FloatTensor)`, *optional*): encoder hidden states (input embeddings, then
            each layer), with `output_hidden_states=True`; padded frames are not meaningful.
        attentions (`tuple(torch.FloatTensor)`, *optional*): encoder self-attention weights per layer, with
            `output_attentions=True` (needs `attn_implementation="eager"`).
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    embeddings: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


class WhisperEmotionBackbone(nn.Module):
    """Stock Whisper encoder (and decoder, for encoder+decoder pooling) under the stock attribute names."""

    def __init__(self, config: WhisperEmotionConfig):
        super().__init__()
        self.encoder = WhisperEncoder(config)
        self.decoder = WhisperDecoder(config) if config.pooling == "encoder_decoder" else None


PIPELINE_FILE = "pipeline_whisper_emotion.py"
CUSTOM_PIPELINES = {
    "audio-classification": {
        "impl": f"{PIPELINE_FILE[:-3]}.EmotionAudioClassificationPipeline",
        "pt": ["AutoModelForAudioClassification"],
        "tf": [],
        "type": "audio",
    }
}
"""`config.custom_pipelines`: `pipeline("audio-classification", model=..., trust_remote_code=True)` runs the
pipeline file saved beside the weights (decoding, resampling and padding-free batches) for this model only."""


ATTENTION_BACKENDS = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]
"""Every scaled-dot-product attention backend but cuDNN's, which builds an execution plan for each new input shape
(about 10 ms each on an H200): padding-free batches change shape nearly every batch, and bf16 steps ran 16-27x
slower with it (`benchmarks/bench_padding.py --device cuda --bf16`)."""


def _additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(batch, keys) 0/1 mask -> (batch, 1, 1, keys) additive attention mask."""
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


class WhisperForEmotionClassification(WhisperPreTrainedModel):
    r"""
    Whisper backbone + fixed-size utterance embedding + MLP head (4096-2048-1024-512 with ReLU by default),
    trained with cross-entropy, as in Ibrahim et al. (2024).

    Unlike stock Whisper, clips are not padded to 30 s: `input_features` may hold any number of frames up to
    `2 * max_source_positions` (30 s), padded to the longest clip of the batch, with `attention_mask` marking
    valid frames. Padded frames are zeroed before each convolution and masked out of encoder self-attention,
    decoder cross-attention and pooling, so a clip's logits do not depend on what it is batched with.

    Example:

    ```python
    >>> from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification
    >>> model = WhisperForEmotionClassification.from_pretrained(
    ...     "openai/whisper-base", id2label={0: "neutral", 1: "angry", 2: "happy", 3: "sad"})
    >>> extractor = WhisperEmotionFeatureExtractor.from_pretrained("openai/whisper-base")
    >>> inputs = extractor([clip_3s, clip_9s], sampling_rate=16000, return_tensors="pt")
    >>> model(**inputs).logits.shape
    torch.Size([2, 4])
    ```"""

    config_class = WhisperEmotionConfig
    config: WhisperEmotionConfig
    _supports_flash_attn = False
    _supports_flex_attn = False
    _can_compile_fullgraph = False
    # `forward` takes `num_items_in_batch`: the Trainer passes the label count of the whole optimizer step (all
    # accumulation steps, all processes), so the loss and gradient do not depend on how a batch is split.
    accepts_loss_kwargs = True

    def __init__(self, config: WhisperEmotionConfig):
        config.validate_emotion_head()
        super().__init__(config)
        self.model = WhisperEmotionBackbone(config)
        self.attention_pool = nn.Linear(config.d_model, 1) if config.pooling == "attention" else None
        # one weight per encoder state: the input embeddings, each layer's output (the last one layer-normed)
        self.layer_weights = (
            nn.Parameter(torch.zeros(config.encoder_layers + 1)) if config.pooling == "layer_weighted_mean" else None
        )
        layers: list[nn.Module] = []
        width = config.d_model
        for size in config.classifier_hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(config.classifier_dropout)]
            width = size
        layers.append(nn.Linear(width, config.num_labels))
        self.classifier = nn.Sequential(*layers)
        # `save_pretrained` writes the `auto_map` entry of `_auto_class`; plain `AutoModel` needs its own.
        self.config.auto_map = {
            **(getattr(config, "auto_map", None) or {}),
            "AutoModel": f"{__name__.rsplit('.', 1)[-1]}.{type(self).__name__}",
        }
        self.config.custom_pipelines = CUSTOM_PIPELINES
        self.post_init()
        if config.freeze_encoder:
            self.freeze_encoder()

    def _init_weights(self, module):
        super()._init_weights(module)
        if module is self and self.layer_weights is not None:
            init.zeros_(self.layer_weights)  # equal layer weights to start with

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        """`PreTrainedModel.from_pretrained`, with transformers' Hub kernels off unless `use_kernels=True`: from
        transformers 5.25 they are on by default and fetch code from the Hub whenever the model changes mode on a GPU
        (`train()`, `eval()`), which fails offline and swaps in layers this model was not tested with."""
        kwargs.setdefault("use_kernels", False)
        return super().from_pretrained(*args, **kwargs)

    def save_pretrained(self, save_directory, *args, **kwargs):
        """`PreTrainedModel.save_pretrained`, plus the pipeline file that `config.custom_pipelines` names."""
        super().save_pretrained(save_directory, *args, **kwargs)
        source = Path(__file__).with_name(PIPELINE_FILE)
        if source.is_file() and Path(save_directory).is_dir():
            shutil.copy(source, Path(save_directory) / PIPELINE_FILE)

    def freeze_encoder(self):
        """Stop gradient updates of the encoder; the decoder (if any), pooling and head still train."""
        self.model.encoder._freeze_parameters()

    def get_input_embeddings(self) -> nn.Module:
        return self.model.encoder.conv1

    def _encode(
        self,
        input_features: torch.Tensor,
        frame_mask: torch.Tensor | None,
        output_hidden_states: bool,
        output_attentions: bool,
    ) -> tuple[torch.Tensor, torch.Tensor | None, tuple | None, tuple | None]:
        """Run the stock encoder's modules on unpadded frames; returns states, mask, hidden states, attentions."""
        encoder = self.model.encoder
        max_frames = 2 * self.config.max_source_positions
        if input_features.dim() != 3 or input_features.shape[1] != self.config.num_mel_bins:
            raise ValueError(
                f"`input_features` must have shape (batch, {self.config.num_mel_bins}, frames), "
                f"got {tuple(input_features.shape)}."
            )
        if input_features.shape[-1] > max_frames:
            raise ValueError(
                f"`input_features` has {input_features.shape[-1]} frames; the encoder's window is {max_frames} "
                f"frames (30 s). Split longer audio into segments and classify each."
            )
        if frame_mask is not None:
            if frame_mask.shape != (input_features.shape[0], input_features.shape[-1]):
                raise ValueError(
                    f"`attention_mask` must have shape {(input_features.shape[0], input_features.shape[-1])} "
                    f"(one entry per feature frame), got {tuple(frame_mask.shape)}."
                )
            if bool((frame_mask.sum(-1) == 0).any()):
                raise ValueError("`attention_mask` marks a clip with no valid frame.")
            frame_mask = frame_mask.to(input_features.dtype)
            input_features = input_features * frame_mask[:, None, :]

        hidden = nn.functional.gelu(encoder.conv1(input_features))
        if frame_mask is not None:
            hidden = hidden * frame_mask[:, None, :]
        hidden = nn.functional.gelu(encoder.conv2(hidden)).permute(0, 2, 1)
        hidden = hidden + encoder.embed_positions.weight[: hidden.shape[1]]
        hidden = nn.functional.dropout(hidden, p=encoder.dropout, training=self.training)

        state_mask = frame_mask[:, ::2] if frame_mask is not None else None
        additive = _additive_mask(state_mask, hidden.dtype) if state_mask is not None else None
        all_hidden = (hidden,) if output_hidden_states else None
        attentions: list[torch.Tensor] = []
        hooks = []
        if output_attentions:
            if self.config._attn_implementation != "eager":
                raise ValueError("`output_attentions=True` needs the model loaded with attn_implementation='eager'.")
            for layer in encoder.layers:
                hooks.append(layer.self_attn.register_forward_hook(lambda _m, _i, out: attentions.append(out[1])))
        try:
            for layer in encoder.layers:  # a dropped layer (layerdrop) passes its input on
                if not (self.training and encoder.layerdrop > 0.0 and torch.rand([]) < encoder.layerdrop):
                    hidden = layer(hidden, attention_mask=additive)
                if output_hidden_states:
                    all_hidden += (hidden,)
        finally:
            for hook in hooks:
                hook.remove()
        hidden = encoder.layer_norm(hidden)
        return hidden, state_mask, all_hidden, tuple(attentions) if output_attentions else None

    def _pool(self, states: torch.Tensor, state_mask: torch.Tensor | None) -> torch.Tensor:
        """One embedding per clip from the encoder states, ignoring padded frames."""
        if self.config.pooling == "encoder_decoder":
            decoder = self.model.decoder
            start = torch.full(
                (states.shape[0], 1), self.config.decoder_start_token_id, dtype=torch.long, device=states.device
            )
            hidden = decoder.embed_tokens(start) + decoder.embed_positions.weight[:1]
            hidden = nn.functional.dropout(hidden, p=decoder.dropout, training=self.training)
            cross_mask = _additive_mask(state_mask, hidden.dtype) if state_mask is not None else None
            for layer in decoder.layers:
                if self.training and decoder.layerdrop > 0.0 and torch.rand([]) < decoder.layerdrop:
                    continue
                hidden = layer(
                    hidden, encoder_hidden_states=states, encoder_attention_mask=cross_mask, use_cache=False
                )
            return decoder.layer_norm(hidden)[:, 0]
        weights = state_mask if state_mask is not None else states.new_ones(states.shape[:2])
        if self.config.pooling == "attention":
            scores = self.attention_pool(states).squeeze(-1).masked_fill(weights == 0, torch.finfo(states.dtype).min)
            weights = scores.softmax(dim=-1)
        else:
            weights = weights / weights.sum(dim=-1, keepdim=True)
        return torch.einsum("bt,btd->bd", weights.to(states.dtype), states)

    def _pool_layers(self, layers: tuple[torch.Tensor, ...], state_mask: torch.Tensor | None) -> torch.Tensor:
        """Softmax(`layer_weights`)-weighted sum of each encoder state's masked mean over valid frames."""
        stacked = torch.stack([self._pool(layer, state_mask) for layer in layers])  # (layers, batch, d_model)
        weights = self.layer_weights.softmax(-1).to(stacked.dtype)
        return torch.einsum("l,lbd->bd", weights, stacked)

    def forward(
        self,
        input_features: torch.FloatTensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
        num_items_in_batch: int | torch.Tensor | None = None,
    ) -> WhisperEmotionClassifierOutput | tuple:
        r"""
        Args:
            input_features (`torch.FloatTensor` of shape `(batch_size, num_mel_bins, frames)`):
                Log-mel features from [`WhisperEmotionFeatureExtractor`], frames <= 3000 (30 s).
            attention_mask (`torch.Tensor` of shape `(batch_size, frames)`, *optional*):
                1 for valid frames, 0 for padding. Without it every frame is valid.
            labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
                Class indices in `[0, num_labels)`; the output then holds the cross-entropy `loss`.
            num_items_in_batch (`int` or `torch.Tensor`, *optional*):
                Labels in the whole optimizer step (set by the Trainer): the loss is then the summed cross-entropy
                divided by it, instead of the mean over this batch.
        """
        output_hidden_states = bool(output_hidden_states)
        output_attentions = bool(output_attentions)
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        layered = self.config.pooling == "layer_weighted_mean"
        with sdpa_kernel(ATTENTION_BACKENDS):
            states, state_mask, hidden_states, attentions = self._encode(
                input_features, attention_mask, output_hidden_states or layered, output_attentions
            )
            if layered:
                embeddings = self._pool_layers(hidden_states[:-1] + (states,), state_mask)
                hidden_states = hidden_states if output_hidden_states else None
            else:
                embeddings = self._pool(states, state_mask)
        logits = self.classifier(embeddings)

        loss = None
        if labels is not None:
            labels = labels.to(logits.device)
            if bool(((labels < 0) | (labels >= self.config.num_labels)).any()):
                raise ValueError(
                    f"`labels` must be class indices in [0, {self.config.num_labels}), got {labels.tolist()}."
                )
            if num_items_in_batch is None:
                loss = nn.functional.cross_entropy(logits.float(), labels.view(-1))
            else:
                loss = nn.functional.cross_entropy(logits.float(), labels.view(-1), reduction="sum")
                loss = loss / torch.as_tensor(num_items_in_batch, device=loss.device, dtype=loss.dtype)

        output = WhisperEmotionClassifierOutput(
            loss=loss, logits=logits, embeddings=embeddings, hidden_states=hidden_states, attentions=attentions
        )
        return output if return_dict else output.to_tuple()


__all__ = ["WhisperEmotionClassifierOutput", "WhisperForEmotionClassification"]
