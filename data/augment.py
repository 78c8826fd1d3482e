"""On-the-fly waveform augmentation for training batches (audiomentations), reproducible for a seed."""

import random
from dataclasses import dataclass

import numpy as np
from audiomentations import AddBackgroundNoise, AddGaussianSNR, Compose, Gain, PitchShift, TimeStretch


@dataclass
class AugmentConfig:
    """An audiomentations chain; each transform applies with its own probability inside the chain, and the
    chain applies to a clip with `probability`. Field names are the YAML keys of a recipe's `augment:`."""

    probability: float = 0.0
    gain_db: tuple[float, float] = (-6.0, 6.0)
    gain_p: float = 0.5
    noise_snr_db: tuple[float, float] = (15.0, 40.0)
    noise_p: float = 0.5
    background_noise_dir: str | None = None
    background_p: float = 0.5
    pitch_semitones: tuple[float, float] = (-2.0, 2.0)
    pitch_p: float = 0.3
    time_stretch: tuple[float, float] = (0.9, 1.1)
    time_stretch_p: float = 0.3

    def __post_init__(self):
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"augment `probability` must be in [0, 1], got {self.probability}.")
        for name in ("gain_db", "noise_snr_db", "pitch_semitones", "time_stretch"):
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"augment `{name}` must be [low, high], got {[low, high]}.")
            setattr(self, name, (float(low), float(high)))


class Augmenter:
    """Applies the chain to one clip; the random draws depend only on (seed, key), so a clip is augmented the
    same way for the same key whatever else ran before (audiomentations draws from the global generators,
    which are saved and restored around each call)."""

    def __init__(self, config: AugmentConfig, seed: int = 0):
        self.config, self.seed = config, seed
        transforms = [
            Gain(min_gain_db=config.gain_db[0], max_gain_db=config.gain_db[1], p=config.gain_p),
            AddGaussianSNR(min_snr_db=config.noise_snr_db[0], max_snr_db=config.noise_snr_db[1], p=config.noise_p),
            PitchShift(
                min_semitones=config.pitch_semitones[0], max_semitones=config.pitch_semitones[1], p=config.pitch_p
            ),
            TimeStretch(
                min_rate=config.time_stretch[0],
                max_rate=config.time_stretch[1],
                leave_length_unchanged=False,
                p=config.time_stretch_p,
            ),
        ]
        if config.background_noise_dir:
            transforms.insert(1, AddBackgroundNoise(sounds_path=config.background_noise_dir, p=config.background_p))
        self.chain = Compose(transforms, p=config.probability)

    def __call__(self, waveform: np.ndarray, sampling_rate: int, key: int) -> np.ndarray:
        if self.config.probability == 0.0:
            return waveform
        py_state, np_state = random.getstate(), np.random.get_state()
        try:
            random.seed(self.seed * 1_000_003 + key)
            np.random.seed((self.seed * 1_000_003 + key) % 2**32)
            return self.chain(samples=np.asarray(waveform, dtype=np.float32), sample_rate=sampling_rate)
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
