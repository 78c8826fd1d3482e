"""Auto classes, safetensors-only saving, and remote code on a machine without whisper-ser."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import torch
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForAudioClassification

from tests.conftest import BLOCK_WHISPER_SER, noise
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification


def test_auto_classes_resolve_to_ours(saved_model):
    assert type(AutoConfig.from_pretrained(saved_model)).__name__ == "WhisperEmotionConfig"
    assert isinstance(AutoModel.from_pretrained(saved_model), WhisperForEmotionClassification)
    assert isinstance(AutoModelForAudioClassification.from_pretrained(saved_model), WhisperForEmotionClassification)
    assert isinstance(AutoFeatureExtractor.from_pretrained(saved_model), WhisperEmotionFeatureExtractor)


def test_hub_kernels_stay_off_unless_asked_for(saved_model):
    """transformers >= 5.25 kernelizes every loaded model from the Hub by default; on a GPU that fetches code at each
    `train()`/`eval()` (offline: an error). Our loads keep the model's own layers, through the pipeline too."""
    from transformers import pipeline

    assert AutoModel.from_pretrained(saved_model).use_kernels is False
    clf = pipeline("audio-classification", model=str(saved_model), trust_remote_code=True)
    assert clf.model.use_kernels is False
    assert WhisperForEmotionClassification.from_pretrained(saved_model, use_kernels=True).use_kernels is True


def test_save_writes_safetensors_code_and_auto_map(saved_model):
    files = set(os.listdir(saved_model))
    assert {
        "model.safetensors",
        "config.json",
        "preprocessor_config.json",
        "configuration_whisper_emotion.py",
        "modeling_whisper_emotion.py",
        "feature_extraction_whisper_emotion.py",
    } <= files
    assert not any(name.endswith(".bin") for name in files)
    config = json.loads((saved_model / "config.json").read_text())
    assert config["model_type"] == "whisper_emotion"
    assert config["auto_map"] == {
        "AutoConfig": "configuration_whisper_emotion.WhisperEmotionConfig",
        "AutoModel": "modeling_whisper_emotion.WhisperForEmotionClassification",
        "AutoModelForAudioClassification": "modeling_whisper_emotion.WhisperForEmotionClassification",
    }
    preprocessor = json.loads((saved_model / "preprocessor_config.json").read_text())
    assert preprocessor["auto_map"] == {
        "AutoFeatureExtractor": "feature_extraction_whisper_emotion.WhisperEmotionFeatureExtractor"
    }
    assert config["custom_pipelines"]["audio-classification"]["impl"] == (
        "pipeline_whisper_emotion.EmotionAudioClassificationPipeline"
    )
    for name, allowed in (
        ("configuration", {"torch", "transformers"}),
        ("modeling", {"torch", "transformers"}),
        ("feature_extraction", {"torch", "transformers"}),
        ("pipeline", {"torch", "transformers", "numpy", "soundfile", "soxr", "httpx", "torchcodec"}),
    ):
        source = (saved_model / f"{name}_whisper_emotion.py").read_text()
        imports = {
            line.split()[1].split(".")[0]
            for line in source.splitlines()
            if line.lstrip().startswith(("import ", "from "))
        }
        assert imports - set(sys.stdlib_module_names) - {""} <= allowed, (name, imports)


REMOTE = BLOCK_WHISPER_SER + textwrap.dedent(
    """
    import sys, json
    import numpy as np
    from transformers import AutoModel, pipeline
    path = sys.argv[1]
    model = AutoModel.from_pretrained(path, trust_remote_code=True).eval()
    clip = np.load(sys.argv[2])
    clf = pipeline("audio-classification", model=path, trust_remote_code=True)
    from transformers import AutoFeatureExtractor
    extractor = AutoFeatureExtractor.from_pretrained(path, trust_remote_code=True)
    logits = model(**extractor(clip, sampling_rate=16000, return_tensors="pt")).logits[0].tolist()
    print(json.dumps({"model": type(model).__module__, "logits": logits, "top": clf(clip)[0]["label"]}))
    """
)


def test_remote_code_loads_without_whisper_ser(saved_model, tmp_path):
    clip = noise(2.5, seed=4)
    np.save(tmp_path / "clip.npy", clip)
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", REMOTE, str(saved_model), str(tmp_path / "clip.npy")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = json.loads(result.stdout.strip().splitlines()[-1])
    assert remote["model"].startswith("transformers_modules.")
    model = WhisperForEmotionClassification.from_pretrained(saved_model).eval()
    with torch.no_grad():
        local = model(**WhisperEmotionFeatureExtractor()(clip, sampling_rate=16000, return_tensors="pt")).logits[0]
    np.testing.assert_allclose(remote["logits"], local.numpy(), atol=1e-6)
    assert remote["top"] == model.config.id2label[int(local.argmax())]
