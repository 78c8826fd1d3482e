"""CTranslate2 -> transformers conversion: exact round trip, any size, and every error path."""

import struct
import subprocess
import sys

import pytest
import torch
from transformers import WhisperConfig, WhisperForConditionalGeneration

from tests.fixtures.ct2 import ct2_variables, write_ct2_model
from whisper_ser.convert_ct2 import convert_ct2_to_hf, read_ct2_model

SHAPES = {
    "tiny-like": dict(
        d_model=24,
        encoder_layers=2,
        decoder_layers=3,
        encoder_attention_heads=2,
        decoder_attention_heads=3,
        encoder_ffn_dim=40,
        decoder_ffn_dim=48,
        num_mel_bins=80,
    ),
    "large-v3-like": dict(
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        num_mel_bins=128,
    ),
}


def random_whisper(**shape) -> WhisperForConditionalGeneration:
    torch.manual_seed(0)
    config = WhisperConfig(
        **shape,
        vocab_size=70,
        max_source_positions=30,
        max_target_positions=12,
        decoder_start_token_id=5,
        bos_token_id=5,
        eos_token_id=3,
        pad_token_id=3,
    )
    model = WhisperForConditionalGeneration(config).eval()
    with torch.no_grad():  # random biases/norms so that a swapped tensor cannot pass unnoticed
        for name, param in model.named_parameters():
            if "embed_positions" not in name:
                param.normal_(0, 0.05)
    return model


@pytest.fixture
def ct2_folder(tmp_path):
    model = random_whisper(**SHAPES["tiny-like"])
    return model, write_ct2_model(model, tmp_path / "ct2")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_round_trip_is_exact_for_any_shape(tmp_path, shape):
    model = random_whisper(**SHAPES[shape])
    source = write_ct2_model(model, tmp_path / "ct2")
    output = convert_ct2_to_hf(source, tmp_path / "hf", dtype="float32")
    converted = WhisperForConditionalGeneration.from_pretrained(output, dtype=torch.float32)
    for key in (
        "d_model",
        "encoder_layers",
        "decoder_layers",
        "encoder_attention_heads",
        "decoder_attention_heads",
        "encoder_ffn_dim",
        "decoder_ffn_dim",
        "num_mel_bins",
        "vocab_size",
        "max_source_positions",
        "max_target_positions",
        "decoder_start_token_id",
        "eos_token_id",
    ):
        assert getattr(converted.config, key) == getattr(model.config, key), key
    expected, actual = model.state_dict(), converted.state_dict()
    assert set(actual) == set(expected)
    for key, tensor in expected.items():
        torch.testing.assert_close(actual[key], tensor, atol=0, rtol=0, msg=key)
    features = torch.randn(1, model.config.num_mel_bins, 60)
    with torch.no_grad():
        ids = torch.tensor([[5, 7]])
        torch.testing.assert_close(
            converted(features, decoder_input_ids=ids).logits, model(features, decoder_input_ids=ids).logits
        )


def test_float16_is_kept_by_default(ct2_folder, tmp_path):
    model, _ = ct2_folder
    source = write_ct2_model(model, tmp_path / "fp16", dtype=torch.float16)
    assert read_ct2_model(source).variables["encoder/conv1/weight"].dtype == torch.float16
    output = convert_ct2_to_hf(source, tmp_path / "hf")
    converted = WhisperForConditionalGeneration.from_pretrained(output)
    assert converted.dtype == torch.float16
    torch.testing.assert_close(
        converted.model.encoder.conv2.weight, model.model.encoder.conv2.weight.half(), atol=0, rtol=0
    )
    assert (output / "preprocessor_config.json").is_file() and (output / "generation_config.json").is_file()


def test_cli_converts(ct2_folder, tmp_path):
    _, source = ct2_folder
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "whisper_ser.cli",
            "convert-ct2",
            str(source),
            str(tmp_path / "out"),
            "--dtype",
            "float32",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_folder_without_model_bin(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no 'model.bin'"):
        convert_ct2_to_hf(tmp_path, tmp_path / "out")


def test_other_spec_is_refused(ct2_folder, tmp_path):
    model, _ = ct2_folder
    source = write_ct2_model(model, tmp_path / "t5", spec="TransformerSpec")
    with pytest.raises(ValueError, match=r"model spec is 'TransformerSpec'; expected 'WhisperSpec'"):
        convert_ct2_to_hf(source, tmp_path / "out")


@pytest.mark.parametrize("cut", [3, 200, 5000])
def test_truncated_file_is_refused(ct2_folder, cut):
    _, source = ct2_folder
    data = (source / "model.bin").read_bytes()
    (source / "model.bin").write_bytes(data[: len(data) - cut])
    with pytest.raises(ValueError, match=r"model.bin: truncated CTranslate2 file"):
        read_ct2_model(source)


def test_trailing_bytes_are_refused(ct2_folder):
    _, source = ct2_folder
    with (source / "model.bin").open("ab") as handle:
        handle.write(b"\0\0\0\0")
    with pytest.raises(ValueError, match="unread bytes"):
        read_ct2_model(source)


def test_unknown_dtype_code_is_refused(ct2_folder):
    _, source = ct2_folder
    data = bytearray((source / "model.bin").read_bytes())
    name = b"decoder/position_encodings/encodings\0"
    at = data.index(name) + len(name) + 1 + 2 * 4  # rank byte, two u32 dims, then the dtype byte
    data[at] = 9
    (source / "model.bin").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="dtype code 9"):
        read_ct2_model(source)


def test_unsupported_version_and_bad_scalars(ct2_folder, tmp_path):
    model, _ = ct2_folder
    with pytest.raises(ValueError, match="format version 3"):
        read_ct2_model(write_ct2_model(model, tmp_path / "v3", version=3))
    variables = ct2_variables(model, torch.float32)
    variables["decoder/activation"] = torch.tensor(0, dtype=torch.int8)  # ReLU
    with pytest.raises(ValueError, match="decoder/activation = 0"):
        convert_ct2_to_hf(write_ct2_model(model, tmp_path / "relu", variables=variables), tmp_path / "out")


def test_non_zero_key_bias_and_unknown_variables_are_refused(ct2_folder, tmp_path):
    model, _ = ct2_folder
    variables = ct2_variables(model, torch.float32)
    bias = variables["encoder/layer_0/self_attention/linear_0/bias"].clone()
    bias[30] = 1.0  # inside the key block (rows 24..47)
    variables["encoder/layer_0/self_attention/linear_0/bias"] = bias
    with pytest.raises(ValueError, match="non-zero key bias"):
        convert_ct2_to_hf(write_ct2_model(model, tmp_path / "kbias", variables=variables), tmp_path / "out")
    variables = ct2_variables(model, torch.float32)
    variables["encoder/extra/weight"] = torch.zeros(2)
    with pytest.raises(ValueError, match=r"unexpected variables \['encoder/extra/weight'\]"):
        convert_ct2_to_hf(write_ct2_model(model, tmp_path / "extra", variables=variables), tmp_path / "out")


def test_variable_with_wrong_byte_count(ct2_folder):
    _, source = ct2_folder
    data = bytearray((source / "model.bin").read_bytes())
    name = b"encoder/layer_norm/gamma\0"
    at = data.index(name) + len(name) + 1 + 4 + 1  # rank, one u32 dim, dtype -> byte count
    struct.pack_into("<I", data, at, 4)
    (source / "model.bin").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="cannot hold 4 bytes"):
        read_ct2_model(source)
