"""Reference points for a run, on the same split: MFCC + pitch statistics with logistic regression, eGeMAPS
(openSMILE's 88 functionals, the standard hand-crafted SER set; optional `egemaps` extra, under audEERING's
research licence: non-commercial use) with logistic regression, and a frozen-embedding probe (logistic regression
on the untrained backbone's pooled embeddings)."""

import librosa
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

SAMPLING_RATE = 16000


def mfcc_pitch_features(clips: list[np.ndarray]) -> np.ndarray:
    """Per clip: mean and std of 20 MFCCs and their deltas, and f0 statistics (YIN) and RMS energy statistics."""
    rows = []
    for clip in clips:
        mfcc = librosa.feature.mfcc(y=clip, sr=SAMPLING_RATE, n_mfcc=20)
        delta = librosa.feature.delta(mfcc)
        f0 = librosa.yin(clip, fmin=60, fmax=500, sr=SAMPLING_RATE)
        rms = librosa.feature.rms(y=clip)[0]
        rows.append(
            np.concatenate(
                [
                    mfcc.mean(1),
                    mfcc.std(1),
                    delta.std(1),
                    [np.median(f0), f0.std(), np.percentile(f0, 90) - np.percentile(f0, 10)],
                    [rms.mean(), rms.std(), clip.size / SAMPLING_RATE],
                ]
            )
        )
    return np.asarray(rows)


def egemaps_features(clips: list[np.ndarray]) -> np.ndarray:
    """Per clip: the 88 eGeMAPSv02 functionals from openSMILE (`pip install "whisper-ser[egemaps]"`)."""
    import opensmile

    smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.Functionals
    )
    return np.stack([smile.process_signal(clip, SAMPLING_RATE).to_numpy()[0] for clip in clips])


def egemaps_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("opensmile") is not None


@torch.no_grad()
def frozen_embeddings(model_path: str, clips: list[np.ndarray], pooling: str, batch_size: int = 16) -> np.ndarray:
    """Pooled embeddings of the pretrained backbone (its head is never used)."""
    model = WhisperForEmotionClassification.from_pretrained(
        model_path, pooling=pooling, num_labels=2, dtype=torch.float32
    ).eval()
    extractor = WhisperEmotionFeatureExtractor.from_pretrained(model_path)
    order = np.argsort([clip.size for clip in clips])  # length-grouped batches
    out = np.zeros((len(clips), model.config.d_model), dtype=np.float32)
    for start in range(0, len(clips), batch_size):
        idx = order[start : start + batch_size]
        batch = extractor([clips[i] for i in idx], sampling_rate=SAMPLING_RATE, return_tensors="pt")
        out[idx] = model(**batch).embeddings.numpy()
    return out


def logistic_predictions(train_x, train_y, test_x, seed: int = 0) -> np.ndarray:
    """Standardised features, logistic regression: the predicted class of each test row."""
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=1.0, random_state=seed))
    classifier.fit(train_x, train_y)
    return classifier.predict(test_x)
