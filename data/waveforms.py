"""Decode once: every clip of a corpus as a 16-kHz mono float32 array in an Arrow cache beside the corpus' own,
with the log-mel statistics the SMOTE/ADASYN neighbour search reads; the training set that yields ready
waveforms (balance plan, SMOTE/ADASYN mixes, augmentation); and a sampler that fills batches to a frame budget.

The cache is a `datasets.map` of the prepared corpus, so it is keyed by the corpus' Arrow fingerprint (the copy's
content) and shared by every run, fold and epoch; `num_proc` prepares it in parallel. Decoding uses the model
pipeline's own reader (soundfile, then torchcodec, then ffmpeg; soxr to 16 kHz)."""

from collections.abc import Iterator
from dataclasses import replace

import datasets
import numpy as np
import torch

from whisper_ser.modeling.pipeline_whisper_emotion import is_silent, load_audio

from .augment import AugmentConfig, Augmenter
from .balance import BalancePlan, clip_features, mix
from .builder import SAMPLING_RATE

logger = datasets.logging.get_logger(__name__)

WAVEFORM = "waveform"
LOGMEL_STATS = "logmel_stats"
DECODE_PROBLEM = "decode_problem"
"""Empty for a clip that decoded with signal, else the reason it cannot train (read by `combine_corpora`)."""
FEATURE_FRAMES_PER_SECOND = 100
SKIP_UNDECODABLE = "could not be decoded"
SKIP_SILENT = "no signal (found when decoded)"
BYTES_PER_HOUR = SAMPLING_RATE * 3600 * 4
"""Cache size of one hour of audio (float32 samples; the log-mel statistics add 640 bytes per clip)."""


def _decode(batch: dict[str, list]) -> dict[str, list]:
    waves, problems = [], []
    for audio in batch["audio"]:
        try:
            wave = load_audio(audio["path"])
        except (ValueError, OSError) as err:
            waves.append(np.zeros(0, np.float32))
            problems.append(f"{SKIP_UNDECODABLE}: {err}")
            continue
        waves.append(wave)
        problems.append(SKIP_SILENT if is_silent(wave) else "")
    decoded = [i for i, wave in enumerate(waves) if wave.size]
    stats = np.zeros((len(waves), 160), np.float32)
    if decoded:  # one feature extractor per batch
        stats[decoded] = clip_features([waves[i] for i in decoded])
    return {WAVEFORM: waves, LOGMEL_STATS: list(stats), DECODE_PROBLEM: problems}


def decoded_corpus(dataset: datasets.Dataset, num_proc: int | None = None) -> datasets.Dataset:
    """`dataset` (a loaded corpus) with its audio decoded once into `waveform` (float32, 16 kHz) and
    `logmel_stats`, and `decode_problem` naming clips that do not decode or hold no signal. Cached beside the
    corpus' Arrow files and keyed by their fingerprint: a second call reads the cache."""
    features = dataset.features.copy()
    del features["audio"]
    features[WAVEFORM] = datasets.List(datasets.Value("float32"))
    features[LOGMEL_STATS] = datasets.List(datasets.Value("float32"), length=160)
    features[DECODE_PROBLEM] = datasets.Value("string")
    corpus = dataset.select_columns(["corpus"])[0]["corpus"] if len(dataset) else "corpus"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread per process: the per-clip STFTs are small
    try:
        return dataset.cast_column("audio", datasets.Audio(decode=False)).map(
            _decode,
            batched=True,
            batch_size=64,
            num_proc=num_proc if num_proc and num_proc > 1 else None,
            remove_columns=["audio"],
            features=features,
            desc=f"{corpus}: decoding once",
        )
    finally:
        torch.set_num_threads(threads)


def waveforms(rows: datasets.Dataset) -> datasets.Dataset:
    """The rows as the collator reads them: `waveform` as a NumPy array, and `label` where there is one."""
    return rows.select_columns([c for c in (WAVEFORM, "label") if c in rows.column_names]).with_format("numpy")


def frame_lengths(durations) -> list[int]:
    """Whisper feature frames (10 ms) of each clip."""
    return [max(1, int(round(float(d) * FEATURE_FRAMES_PER_SECOND))) for d in durations]


class BalancedTrainingSet(torch.utils.data.Dataset):
    """The balanced training set of one fold: row `i` of the plan is its source clip, mixed with its SMOTE/ADASYN
    partner (`(1 - w)·clip + w·partner`), augmented when it is an `augment`-balancing copy, and augmented on
    the fly with the configured probability; it yields `{"waveform", "label"}` for the collator."""

    def __init__(self, rows: datasets.Dataset, plan: BalancePlan, augment: AugmentConfig | None = None, seed: int = 0):
        self.rows, self.plan = rows.select_columns([WAVEFORM]).with_format("numpy"), plan
        self.augmenter = Augmenter(augment, seed) if augment and augment.augment_probability > 0 else None
        copies = replace(augment or AugmentConfig(), augment_probability=1.0)
        self.copy_augmenter = Augmenter(copies, seed + 1)  # `balance: augment` copies are always augmented
        seconds = np.asarray(rows["duration"], dtype=np.float64)
        mixed = np.where(plan.partner >= 0, np.maximum(seconds[plan.source], seconds[np.maximum(plan.partner, 0)]), 0)
        self.lengths = frame_lengths(np.maximum(seconds[plan.source], mixed))

    def __len__(self) -> int:
        return len(self.plan.source)

    def _wave(self, index: int) -> np.ndarray:
        return self.rows[int(index)][WAVEFORM]

    def __getitem__(self, i: int) -> dict:
        clip = self._wave(self.plan.source[i])
        if self.plan.partner[i] >= 0:
            clip = mix(clip, self._wave(self.plan.partner[i]), float(self.plan.weight[i]))
        if self.plan.augment[i]:
            clip = self.copy_augmenter(clip, SAMPLING_RATE, i)
        if self.augmenter is not None:
            clip = self.augmenter(clip, SAMPLING_RATE, i)
        return {WAVEFORM: clip, "label": int(self.plan.label[i])}


class FrameBudgetBatchSampler(torch.utils.data.Sampler[list[int]]):
    """Batches of clips of similar length, each filled up to `budget` padded feature frames (clips x longest clip),
    in a fresh order every epoch (seeded); a clip longer than the budget is a batch of its own."""

    def __init__(self, lengths: list[int], budget: int, seed: int = 0, group: int = 50):
        if budget < 1:
            raise ValueError(f"`frame_budget` must be a positive number of frames, got {budget}.")
        self.lengths, self.budget, self.seed, self.group, self.epoch = list(lengths), budget, seed, group, 0
        self._batches = self._make(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self._batches = self._make(epoch)

    def _make(self, epoch: int) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.lengths))
        batches = []
        chunk = self.group * max(1, self.budget // max(1, int(np.median(self.lengths))))
        for start in range(0, len(order), chunk):
            part = sorted(order[start : start + chunk].tolist(), key=lambda i: -self.lengths[i])
            batch, longest = [], 0
            for index in part:
                width = max(longest, self.lengths[index])
                if batch and width * (len(batch) + 1) > self.budget:
                    batches.append(batch)
                    batch, width = [], self.lengths[index]
                batch.append(index)
                longest = width
            if batch:
                batches.append(batch)
        return [batches[i] for i in rng.permutation(len(batches))]

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._batches

    def __len__(self) -> int:
        return len(self._batches)
