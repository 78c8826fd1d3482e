"""On-the-fly waveform augmentation for training batches (audiomentations), reproducible for a seed."""

import random
from dataclasses import dataclass, field

import numpy as np
from audiomentations import AddBackgroundNoise, AddGaussianSNR, Compose, Gain, PitchShift, TimeStretch


def _range(values) -> list[float]:
    return field(default_factory=lambda: list(values), metadata={"help": "[low, high]"})


@dataclass
class AugmentConfig:
    """An audiomentations chain for training clips (the recipes' `augment_*` YAML keys): each transform applies
    with its own probability inside the chain, and the chain applies to a clip with `augment_probability`."""

    augment_probability: float = field(default=0.0, metadata={"help": "chance a training clip is augmented"})
    augment_gain_db: list[float] = _range((-6.0, 6.0))
    augment_gain_p: float = 0.5
    augment_noise_snr_db: list[float] = _range((15.0, 40.0))
    augment_noise_p: float = 0.5
    augment_background_noise_dir: str | None = field(default=None, metadata={"help": "folder of noise clips"})
    augment_background_p: float = 0.5
    augment_pitch_semitones: list[float] = _range((-2.0, 2.0))
    augment_pitch_p: float = 0.3
    augment_time_stretch: list[float] = _range((0.9, 1.1))
    augment_time_stretch_p: float = 0.3

    def __post_init__(self):
        if not 0.0 <= self.augment_probability <= 1.0:
            raise ValueError(f"`augment_probability` must be in [0, 1], got {self.augment_probability}.")
        for name in ("augment_gain_db", "augment_noise_snr_db", "augment_pitch_semitones", "augment_time_stretch"):
            values = [float(v) for v in getattr(self, name)]
            if len(values) != 2 or values[0] > values[1]:
                raise ValueError(f"`{name}` must be [low, high], got {values}.")
            setattr(self, name, values)


class Augmenter:
    """Applies the chain to one clip; the random draws depend only on (seed, key), so a clip is augmented the
    same way for the same key whatever else ran before (audiomentations draws from the global generators,
    which are saved and restored around each call)."""

    def __init__(self, config: AugmentConfig, seed: int = 0):
        self.config, self.seed = config, seed
        (gain_low, gain_high), (snr_low, snr_high) = config.augment_gain_db, config.augment_noise_snr_db
        (pitch_low, pitch_high), (rate_low, rate_high) = config.augment_pitch_semitones, config.augment_time_stretch
        transforms = [
            Gain(min_gain_db=gain_low, max_gain_db=gain_high, p=config.augment_gain_p),
            AddGaussianSNR(min_snr_db=snr_low, max_snr_db=snr_high, p=config.augment_noise_p),
            PitchShift(min_semitones=pitch_low, max_semitones=pitch_high, p=config.augment_pitch_p),
            TimeStretch(
                min_rate=rate_low, max_rate=rate_high, leave_length_unchanged=False, p=config.augment_time_stretch_p
            ),
        ]
        if config.augment_background_noise_dir:
            transforms.insert(
                1, AddBackgroundNoise(sounds_path=config.augment_background_noise_dir, p=config.augment_background_p)
            )
        self.chain = Compose(transforms, p=config.augment_probability)

    def __call__(self, waveform: np.ndarray, sampling_rate: int, key: int) -> np.ndarray:
        if self.config.augment_probability == 0.0:
            return waveform
        py_state, np_state = random.getstate(), np.random.get_state()
        try:
            random.seed(self.seed * 1_000_003 + key)
            np.random.seed((self.seed * 1_000_003 + key) % 2**32)
            return self.chain(samples=np.asarray(waveform, dtype=np.float32), sample_rate=sampling_rate)
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
