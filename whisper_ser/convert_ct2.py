"""Convert a CTranslate2 (faster-whisper) Whisper model into a transformers checkpoint, without ctranslate2.

The binary `model.bin` (format versions 4-6, spec `WhisperSpec`) is read here; every tensor is mapped to its
`WhisperForConditionalGeneration` name and loaded strictly, the scalar variables are checked, and dimensions
come from tensor shapes, so any Whisper size (tiny ... large, multilingual or `.en`) converts.
"""

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import (
    GenerationConfig,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForConditionalGeneration,
    WhisperTokenizer,
)
from transformers.utils import logging

logger = logging.get_logger(__name__)

DTYPES = {0: torch.float32, 1: torch.int8, 2: torch.int16, 3: torch.int32, 4: torch.float16, 5: torch.bfloat16}
SUPPORTED_VERSIONS = range(4, 7)
GELU = 3  # CTranslate2's ActivationType.GELU (exact, erf-based), Whisper's activation
EXPECTED_SCALARS = {
    "activation": GELU,
    "pre_norm": 1,
    "alibi": 0,
    "scale_embeddings": 0,
    "start_from_zero_embedding": 0,
}


@dataclass
class CT2Model:
    """The variables of a CTranslate2 model file."""

    spec: str
    revision: int
    variables: dict[str, torch.Tensor]
    aliases: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Little-endian cursor over the bytes of one file; every read is bounds-checked."""

    def __init__(self, path: Path):
        self.path, self.data, self.offset = path, bytearray(path.read_bytes()), 0

    def take(self, size: int, what: str) -> memoryview:
        if self.offset + size > len(self.data):
            raise ValueError(
                f"{self.path}: truncated CTranslate2 file: {what} needs {size} bytes at offset {self.offset}, "
                f"but the file has {len(self.data)} bytes."
            )
        view = memoryview(self.data)[self.offset : self.offset + size]
        self.offset += size
        return view

    def unpack(self, fmt: str, what: str):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def string(self, what: str) -> str:
        (length,) = self.unpack("H", f"length of {what}")
        raw = bytes(self.take(length, what))
        if not raw.endswith(b"\0"):
            raise ValueError(f"{self.path}: {what} at offset {self.offset - length} is not NUL-terminated.")
        return raw[:-1].decode("utf-8")


def read_ct2_model(model_dir: str | Path) -> CT2Model:
    """Parse `model_dir/model.bin` (CTranslate2 binary format, versions 4-6)."""
    path = Path(model_dir) / "model.bin"
    if not path.is_file():
        raise FileNotFoundError(
            f"{Path(model_dir)}: no 'model.bin'; expected a CTranslate2 Whisper model folder "
            "(model.bin, config.json, tokenizer.json or vocabulary.txt)."
        )
    reader = _Reader(path)
    (version,) = reader.unpack("I", "format version")
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"{path}: CTranslate2 binary format version {version}; expected one of 4-6.")
    spec = reader.string("spec name")
    if spec != "WhisperSpec":
        raise ValueError(f"{path}: model spec is {spec!r}; expected 'WhisperSpec' (a Whisper model).")
    (revision,) = reader.unpack("I", "spec revision")
    (count,) = reader.unpack("I", "variable count")
    variables: dict[str, torch.Tensor] = {}
    for _ in range(count):
        name = reader.string("variable name")
        (rank,) = reader.unpack("B", f"rank of {name}")
        shape = reader.unpack("I" * rank, f"shape of {name}")
        (code,) = reader.unpack("B", f"dtype of {name}")
        if code not in DTYPES:
            raise ValueError(
                f"{path}: variable {name!r} has dtype code {code}; expected one of {sorted(DTYPES)} "
                "(0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16)."
            )
        (nbytes,) = reader.unpack("I", f"byte count of {name}")
        dtype = DTYPES[code]
        numel = int(torch.Size(shape).numel())
        if numel * dtype.itemsize != nbytes:
            raise ValueError(f"{path}: variable {name!r} of shape {shape} and {dtype} cannot hold {nbytes} bytes.")
        raw = reader.take(nbytes, f"data of {name}")
        variables[name] = torch.frombuffer(raw, dtype=dtype, count=numel).reshape(shape).clone()
    (alias_count,) = reader.unpack("I", "alias count")
    aliases = {}
    for _ in range(alias_count):
        alias = reader.string("alias name")
        aliases[alias] = reader.string(f"target of alias {alias}")
    if reader.offset != len(reader.data):
        raise ValueError(
            f"{path}: {len(reader.data) - reader.offset} unread bytes after the last alias; the file is not a "
            "single CTranslate2 model."
        )
    return CT2Model(spec=spec, revision=revision, variables=variables, aliases=aliases)


def _count_layers(names, side: str) -> int:
    indices = {int(m.group(1)) for n in names if (m := re.match(rf"{side}/layer_(\d+)/", n))}
    if indices != set(range(len(indices))):
        raise ValueError(f"{side} layers are not numbered 0..N-1: {sorted(indices)}")
    return len(indices)


def _scalar(variables: dict[str, torch.Tensor], name: str) -> int:
    return int(variables[name].item())


def check_scalars(model: CT2Model, source: Path) -> None:
    """The scalar variables are not weights: check they describe a standard Whisper."""
    for side in ("encoder", "decoder"):
        for key, expected in EXPECTED_SCALARS.items():
            name = f"{side}/{key}"
            if name in model.variables and _scalar(model.variables, name) != expected:
                raise ValueError(
                    f"{source}: {name} = {_scalar(model.variables, name)}; expected {expected} for a standard "
                    "Whisper model (exact GELU, pre-norm, no ALiBi, no embedding scaling)."
                )
        if f"{side}/num_heads" not in model.variables:
            raise ValueError(f"{source}: missing scalar {side}/num_heads.")


def whisper_config_from(model: CT2Model, vocab: dict[str, int], source: Path) -> WhisperConfig:
    """Dimensions from tensor shapes and special tokens from the vocabulary."""
    v = model.variables
    d_model, num_mel_bins, _ = v["encoder/conv1/weight"].shape
    tokens = {name: vocab.get(name) for name in ("<|endoftext|>", "<|startoftranscript|>")}
    missing = [name for name, idx in tokens.items() if idx is None]
    if missing:
        raise ValueError(f"{source}: the vocabulary has no {missing}; is this a Whisper tokenizer?")
    return WhisperConfig(
        vocab_size=v["decoder/embeddings/weight"].shape[0],
        num_mel_bins=num_mel_bins,
        d_model=d_model,
        encoder_layers=_count_layers(v, "encoder"),
        decoder_layers=_count_layers(v, "decoder"),
        encoder_attention_heads=_scalar(v, "encoder/num_heads"),
        decoder_attention_heads=_scalar(v, "decoder/num_heads"),
        encoder_ffn_dim=v["encoder/layer_0/ffn/linear_0/weight"].shape[0],
        decoder_ffn_dim=v["decoder/layer_0/ffn/linear_0/weight"].shape[0],
        max_source_positions=v["encoder/position_encodings/encodings"].shape[0],
        max_target_positions=v["decoder/position_encodings/encodings"].shape[0],
        pad_token_id=tokens["<|endoftext|>"],
        eos_token_id=tokens["<|endoftext|>"],
        bos_token_id=tokens["<|startoftranscript|>"],
        decoder_start_token_id=tokens["<|startoftranscript|>"],
        activation_function="gelu",
        scale_embedding=False,
    )


def _split_zero_key_bias(bias: torch.Tensor, parts: int, name: str, source: Path) -> list[torch.Tensor]:
    """Fused q/k/v (or k/v) biases: the key block must be zero, since transformers' `k_proj` has no bias."""
    chunks = list(bias.chunk(parts))
    key = chunks[-2]
    if torch.count_nonzero(key):
        raise ValueError(f"{source}: {name} has a non-zero key bias; transformers' Whisper k_proj has no bias.")
    return chunks


def hf_state_dict(model: CT2Model, source: Path) -> dict[str, torch.Tensor]:
    """Map every CTranslate2 tensor to its `WhisperForConditionalGeneration` name; unmapped tensors are errors."""
    v = dict(model.variables)
    scalars = {name for name, t in v.items() if t.dim() == 0}
    tensors = {name: t for name, t in v.items() if name not in scalars}
    out: dict[str, torch.Tensor] = {}
    used: set[str] = set()

    def put(ct2_name: str, hf_name: str, tensor: torch.Tensor | None = None) -> None:
        if ct2_name not in tensors:
            raise ValueError(f"{source}: missing variable {ct2_name!r} (needed for {hf_name}).")
        used.add(ct2_name)
        out[hf_name] = tensors[ct2_name] if tensor is None else tensor

    def norm(ct2_prefix: str, hf_prefix: str) -> None:
        put(f"{ct2_prefix}/gamma", f"{hf_prefix}.weight")
        put(f"{ct2_prefix}/beta", f"{hf_prefix}.bias")

    def linear(ct2_prefix: str, hf_prefix: str) -> None:
        put(f"{ct2_prefix}/weight", f"{hf_prefix}.weight")
        put(f"{ct2_prefix}/bias", f"{hf_prefix}.bias")

    def fused(ct2_prefix: str, hf_prefix: str, projections: tuple[str, ...]) -> None:
        weight, bias = tensors.get(f"{ct2_prefix}/weight"), tensors.get(f"{ct2_prefix}/bias")
        if weight is None or bias is None:
            raise ValueError(f"{source}: missing variable {ct2_prefix}/weight or /bias.")
        biases = _split_zero_key_bias(bias, len(projections), f"{ct2_prefix}/bias", source)
        for proj, w, b in zip(projections, weight.chunk(len(projections)), biases, strict=True):
            put(f"{ct2_prefix}/weight", f"{hf_prefix}.{proj}.weight", w.contiguous())
            if proj != "k_proj":
                put(f"{ct2_prefix}/bias", f"{hf_prefix}.{proj}.bias", b.contiguous())

    for side in ("encoder", "decoder"):
        hf = f"model.{side}"
        put(f"{side}/position_encodings/encodings", f"{hf}.embed_positions.weight")
        norm(f"{side}/layer_norm", f"{hf}.layer_norm")
        for i in range(_count_layers(tensors, side)):
            ct2, layer = f"{side}/layer_{i}", f"{hf}.layers.{i}"
            fused(f"{ct2}/self_attention/linear_0", f"{layer}.self_attn", ("q_proj", "k_proj", "v_proj"))
            linear(f"{ct2}/self_attention/linear_1", f"{layer}.self_attn.out_proj")
            norm(f"{ct2}/self_attention/layer_norm", f"{layer}.self_attn_layer_norm")
            linear(f"{ct2}/ffn/linear_0", f"{layer}.fc1")
            linear(f"{ct2}/ffn/linear_1", f"{layer}.fc2")
            norm(f"{ct2}/ffn/layer_norm", f"{layer}.final_layer_norm")
            if side == "decoder":
                linear(f"{ct2}/attention/linear_0", f"{layer}.encoder_attn.q_proj")
                fused(f"{ct2}/attention/linear_1", f"{layer}.encoder_attn", ("k_proj", "v_proj"))
                linear(f"{ct2}/attention/linear_2", f"{layer}.encoder_attn.out_proj")
                norm(f"{ct2}/attention/layer_norm", f"{layer}.encoder_attn_layer_norm")
    for conv in ("conv1", "conv2"):
        linear(f"encoder/{conv}", f"model.encoder.{conv}")
    put("decoder/embeddings/weight", "model.decoder.embed_tokens.weight")
    out["proj_out.weight"] = out["model.decoder.embed_tokens.weight"]  # tied output projection

    projection = model.aliases.get("decoder/projection/weight")
    if "decoder/projection/weight" in tensors:
        if not torch.equal(tensors["decoder/projection/weight"], tensors["decoder/embeddings/weight"]):
            raise ValueError(f"{source}: decoder/projection/weight differs from the embeddings; Whisper ties them.")
        used.add("decoder/projection/weight")
    elif projection not in (None, "decoder/embeddings/weight"):
        raise ValueError(f"{source}: decoder/projection/weight aliases {projection!r}, not the embeddings.")
    unexpected = sorted(set(tensors) - used)
    if unexpected:
        raise ValueError(f"{source}: unexpected variables {unexpected}; not a standard WhisperSpec.")
    return out


def _load_vocabulary(model_dir: Path) -> dict[str, int]:
    tokenizer_file = model_dir / "tokenizer.json"
    if tokenizer_file.is_file():
        model = json.loads(tokenizer_file.read_text(encoding="utf-8"))
        vocab = dict(model["model"]["vocab"])
        vocab.update({token["content"]: token["id"] for token in model.get("added_tokens", [])})
        return vocab
    vocabulary = model_dir / "vocabulary.txt"
    if vocabulary.is_file():
        return {line: i for i, line in enumerate(vocabulary.read_text(encoding="utf-8").splitlines())}
    raise FileNotFoundError(f"{model_dir}: no 'tokenizer.json' or 'vocabulary.txt' next to model.bin.")


def _generation_config(config: WhisperConfig, vocab: dict[str, int], ct2_config: dict) -> GenerationConfig:
    multilingual = config.vocab_size >= 51865
    id_to_token = {i: t for t, i in vocab.items()}
    generation = GenerationConfig(
        decoder_start_token_id=config.decoder_start_token_id,
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
        max_length=config.max_target_positions,
        is_multilingual=multilingual,
        no_timestamps_token_id=vocab.get("<|notimestamps|>"),
        prev_sot_token_id=vocab.get("<|startofprev|>"),
        suppress_tokens=ct2_config.get("suppress_ids", []),
        begin_suppress_tokens=ct2_config.get("suppress_ids_begin", [220, config.eos_token_id]),
        alignment_heads=ct2_config.get("alignment_heads"),
        max_initial_timestamp_index=50,
        return_timestamps=False,
    )
    if multilingual:
        generation.lang_to_id = {id_to_token[i]: i for i in ct2_config.get("lang_ids", []) if i in id_to_token}
        generation.task_to_id = {task: vocab[f"<|{task}|>"] for task in ("transcribe", "translate")}
    return generation


def convert_ct2_to_hf(model_dir: str | Path, output_dir: str | Path, dtype: str = "float16") -> Path:
    """Convert a CTranslate2 Whisper folder into a transformers checkpoint folder; returns `output_dir`."""
    source, output = Path(model_dir), Path(output_dir)
    if dtype not in ("float16", "float32"):
        raise ValueError(f"`dtype` must be 'float16' or 'float32', got {dtype!r}.")
    ct2 = read_ct2_model(source)
    check_scalars(ct2, source / "model.bin")
    vocab = _load_vocabulary(source)
    config = whisper_config_from(ct2, vocab, source / "model.bin")
    state_dict = hf_state_dict(ct2, source / "model.bin")

    model = WhisperForConditionalGeneration(config)
    model.load_state_dict({k: t.float() for k, t in state_dict.items()}, strict=True)
    ct2_config_file = source / "config.json"
    ct2_config = json.loads(ct2_config_file.read_text()) if ct2_config_file.is_file() else {}
    model.generation_config = _generation_config(config, vocab, ct2_config)
    output.mkdir(parents=True, exist_ok=True)
    model.to(getattr(torch, dtype)).save_pretrained(output)

    WhisperFeatureExtractor(feature_size=config.num_mel_bins).save_pretrained(output)
    tokenizer_file = source / "tokenizer.json"
    if tokenizer_file.is_file():
        WhisperTokenizer(tokenizer_file=str(tokenizer_file)).save_pretrained(output)
    else:
        logger.warning(f"{source}: no tokenizer.json; the converted checkpoint has no tokenizer.")
    logger.info(
        f"Converted {source} ({config.encoder_layers}+{config.decoder_layers} layers, d={config.d_model}) "
        f"to {output} as {dtype}."
    )
    return output
