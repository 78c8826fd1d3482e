"""WhisperForEmotionClassification: stock equivalence, padding-free batches, loading, head, outputs."""

import pytest
import torch
from transformers import WhisperConfig, WhisperForConditionalGeneration, WhisperModel

from tests.conftest import ID2LABEL, TINY_WHISPER, noise, tiny_config, tiny_model
from whisper_ser.modeling import WhisperEmotionConfig, WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

POOLINGS = ["encoder_decoder", "mean", "attention", "layer_weighted_mean"]


def test_config_validates_and_round_trips(tmp_path):
    config = tiny_config(pooling="mean", classifier_hidden_sizes=[8, 4], classifier_dropout=0.1)
    config.save_pretrained(tmp_path)
    loaded = WhisperEmotionConfig.from_pretrained(tmp_path)
    assert (loaded.pooling, loaded.classifier_hidden_sizes, loaded.classifier_dropout) == ("mean", [8, 4], 0.1)
    assert loaded.id2label == ID2LABEL and loaded.model_type == "whisper_emotion"
    assert WhisperEmotionConfig().classifier_hidden_sizes == [4096, 2048, 1024, 512]
    with pytest.raises(ValueError, match="`pooling` must be one of"):
        tiny_config(pooling="max")
    with pytest.raises(ValueError, match="classifier_hidden_sizes"):
        tiny_config(classifier_hidden_sizes=[8, 0])
    with pytest.raises(ValueError, match="decoder_start_token_id"):
        tiny_config(decoder_start_token_id=500)


def test_from_pretrained_overrides_are_validated(saved_model):
    """Keyword overrides are set on the config after it is built; the model checks them before it is made."""
    for override, message in (
        ({"pooling": "bogus"}, "`pooling` must be one of"),
        ({"classifier_hidden_sizes": 512}, "list of positive integers, got 512"),
        ({"classifier_dropout": 1.5}, r"`classifier_dropout` must be in \[0, 1\)"),
    ):
        with pytest.raises(ValueError, match=message):
            WhisperForEmotionClassification.from_pretrained(saved_model, **override)
    assert WhisperForEmotionClassification.from_pretrained(saved_model, pooling="mean").config.pooling == "mean"


def test_layer_weighted_mean_pooling_matches_a_hand_computation():
    """SUPERB/EmoBox pooling: softmax(weights) over the input embeddings, every layer and the final layer-normed
    output, each averaged over the clip's valid frames only."""
    torch.manual_seed(0)
    model = tiny_model(pooling="layer_weighted_mean")
    assert model.model.decoder is None and model.layer_weights.shape == (3,)  # 2 layers + embeddings
    assert torch.equal(model.layer_weights.detach(), torch.zeros(3))  # equal weights to start with
    with torch.no_grad():
        model.layer_weights.copy_(torch.tensor([0.5, -1.0, 2.0]))
    features, mask = torch.randn(2, 80, 300), torch.ones(2, 300, dtype=torch.long)
    mask[1, 120:] = 0
    with torch.no_grad():
        out = model(features, attention_mask=mask, output_hidden_states=True)
    states = list(out.hidden_states)
    states[-1] = model.model.encoder.layer_norm(states[-1])
    weights = torch.tensor([0.5, -1.0, 2.0]).softmax(-1)
    for clip, frames in ((0, 150), (1, 60)):  # encoder states are half the feature frames
        means = torch.stack([layer[clip, :frames].mean(0) for layer in states])
        torch.testing.assert_close(out.embeddings[clip], (weights[:, None] * means).sum(0), atol=1e-5, rtol=1e-5)


def test_loss_is_normalised_by_the_trainers_item_count():
    """With `num_items_in_batch` (the Trainer's label count over a whole optimizer step) the loss is the summed
    cross-entropy over it, so two halves of a batch add up to the whole batch's mean loss."""
    torch.manual_seed(0)
    model = tiny_model()
    features, labels = torch.randn(4, 80, 200), torch.tensor([0, 1, 2, 3])
    whole = model(features, labels=labels).loss
    halves = [model(features[i : i + 2], labels=labels[i : i + 2], num_items_in_batch=4).loss for i in (0, 2)]
    torch.testing.assert_close(halves[0] + halves[1], whole)
    assert WhisperForEmotionClassification.accepts_loss_kwargs


def test_head_is_the_papers_mlp():
    model = WhisperForEmotionClassification(WhisperEmotionConfig(**TINY_WHISPER, id2label=ID2LABEL))
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (16, 4096),
        (4096, 2048),
        (2048, 1024),
        (1024, 512),
        (512, 5),
    ]
    assert sum(isinstance(m, torch.nn.ReLU) for m in model.classifier) == 4


@pytest.mark.parametrize("pooling", POOLINGS)
def test_encoder_matches_stock_at_3000_frames(pooling):
    model = tiny_model(pooling=pooling)
    torch.manual_seed(1)
    stock = WhisperModel(WhisperConfig(**TINY_WHISPER)).eval()
    model.model.encoder.load_state_dict(stock.encoder.state_dict())
    features = torch.randn(2, 80, 3000)
    with torch.no_grad():
        expected = stock.encoder(features).last_hidden_state
        states, *_ = model._encode(features, torch.ones(2, 3000, dtype=torch.long), False, False)
    torch.testing.assert_close(states, expected, atol=1e-5, rtol=0)


def test_encoder_decoder_embedding_is_the_decoder_state_at_the_start_token():
    model = tiny_model()
    torch.manual_seed(1)
    stock = WhisperModel(WhisperConfig(**TINY_WHISPER)).eval()
    model.model.load_state_dict(stock.state_dict())
    features = torch.randn(2, 80, 3000)
    with torch.no_grad():
        start = torch.full((2, 1), TINY_WHISPER["decoder_start_token_id"])
        expected = stock(features, decoder_input_ids=start).last_hidden_state[:, 0]
        embeddings = model(features).embeddings
    torch.testing.assert_close(embeddings, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_logits_do_not_depend_on_batch_padding(pooling):
    model = tiny_model(pooling=pooling)
    extractor = WhisperEmotionFeatureExtractor()
    short, long = noise(3.0, seed=1), noise(9.0, seed=2)
    with torch.no_grad():
        alone = model(**extractor(short, sampling_rate=16000, return_tensors="pt"))
        batched = model(**extractor([short, long], sampling_rate=16000, return_tensors="pt"))
    assert batched.logits.shape == (2, 5)
    torch.testing.assert_close(batched.logits[0], alone.logits[0], atol=1e-4, rtol=0)
    torch.testing.assert_close(batched.embeddings[0], alone.embeddings[0], atol=1e-4, rtol=0)


def test_unmasked_padding_would_change_the_logits():
    """The masks matter: the same padded batch without its attention mask gives other logits."""
    model = tiny_model()
    extractor = WhisperEmotionFeatureExtractor()
    batch = extractor([noise(3.0, seed=1), noise(9.0, seed=2)], sampling_rate=16000, return_tensors="pt")
    with torch.no_grad():
        masked = model(**batch).embeddings[0]
        unmasked = model(input_features=batch["input_features"]).embeddings[0]
    assert (masked - unmasked).norm() > 0.01 * masked.norm()


@pytest.mark.parametrize("source", ["conditional_generation", "whisper_model"])
@pytest.mark.parametrize("pooling", ["encoder_decoder", "mean"])
def test_stock_checkpoint_loads_with_only_the_head_new(tmp_path, source, pooling):
    torch.manual_seed(0)
    stock_class = WhisperForConditionalGeneration if source == "conditional_generation" else WhisperModel
    stock = stock_class(WhisperConfig(**TINY_WHISPER))
    stock.save_pretrained(tmp_path)
    model, info = WhisperForEmotionClassification.from_pretrained(
        tmp_path, id2label=ID2LABEL, pooling=pooling, classifier_hidden_sizes=[8], output_loading_info=True
    )
    assert set(info["missing_keys"]) == {
        "classifier.0.weight",
        "classifier.0.bias",
        "classifier.3.weight",
        "classifier.3.bias",
    }
    assert not info["mismatched_keys"]
    backbone = stock.model if source == "conditional_generation" else stock
    torch.testing.assert_close(model.model.encoder.conv1.weight, backbone.encoder.conv1.weight)
    if pooling == "encoder_decoder":
        torch.testing.assert_close(model.model.decoder.layers[1].fc2.weight, backbone.decoder.layers[1].fc2.weight)
    else:
        assert model.model.decoder is None
    assert model.config.id2label == ID2LABEL and model.config.model_type == "whisper_emotion"


def test_loss_is_cross_entropy_and_everything_trains():
    model = tiny_model().train()
    extractor = WhisperEmotionFeatureExtractor()
    batch = extractor([noise(2.0, seed=s) for s in range(3)], sampling_rate=16000, return_tensors="pt")
    labels = torch.tensor([0, 3, 4])
    out = model(**batch, labels=labels)
    torch.testing.assert_close(out.loss, torch.nn.functional.cross_entropy(out.logits, labels))
    out.loss.backward()
    assert model.model.encoder.layers[0].fc1.weight.grad.abs().sum() > 0
    assert model.model.decoder.layers[0].encoder_attn.q_proj.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match=r"class indices in \[0, 5\)"):
        model(**batch, labels=torch.tensor([0, 1, 7]))


def test_freeze_encoder_keeps_encoder_fixed():
    model = tiny_model(freeze_encoder=True)
    assert not any(p.requires_grad for p in model.model.encoder.parameters())
    assert all(p.requires_grad for p in model.classifier.parameters())


def test_outputs_hidden_states_and_attentions():
    model = tiny_model(attn_implementation="eager")
    batch = WhisperEmotionFeatureExtractor()(noise(2.0), sampling_rate=16000, return_tensors="pt")
    out = model(**batch, output_hidden_states=True, output_attentions=True)
    assert len(out.hidden_states) == 3 and out.hidden_states[-1].shape == (1, 100, 16)
    assert len(out.attentions) == 2 and out.attentions[0].shape == (1, 2, 100, 100)
    assert out.embeddings.shape == (1, 16)
    logits, embeddings = model(**batch, return_dict=False)[:2]
    assert logits.shape == (1, 5) and embeddings.shape == (1, 16)


def test_bad_inputs_get_clear_errors():
    model = tiny_model()
    with pytest.raises(ValueError, match="3000 frames"):
        model(torch.zeros(1, 80, 3002))
    with pytest.raises(ValueError, match=r"shape \(batch, 80, frames\)"):
        model(torch.zeros(1, 40, 100))
    with pytest.raises(ValueError, match="one entry per feature frame"):
        model(torch.zeros(1, 80, 100), attention_mask=torch.ones(1, 50))
    with pytest.raises(ValueError, match="no valid frame"):
        model(torch.zeros(1, 80, 100), attention_mask=torch.zeros(1, 100))
