"""The one base of every corpus loader: locating a user's local copy, the shared schema, durations read from
file headers, and counted, reported skips."""

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import datasets
import soundfile as sf

from .labels import to_canonical

logger = datasets.logging.get_logger(__name__)

SAMPLING_RATE = 16000
SEARCH_DEPTH = 4
FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "audio": datasets.Audio(sampling_rate=SAMPLING_RATE, num_channels=1),
        "emotion": datasets.Value("string"),
        "native_label": datasets.Value("string"),
        "speaker": datasets.Value("string"),
        "gender": datasets.Value("string"),
        "language": datasets.Value("string"),
        "corpus": datasets.Value("string"),
        "duration": datasets.Value("float32"),
        "text": datasets.Value("string"),
        "corpus_split": datasets.Value("string"),
    }
)
SKIP_REPORT = "skip_report.json"


class AudioReadError(ValueError):
    """An audio file whose header cannot be read, or that holds no samples."""


def audio_duration(path: Path) -> float:
    """Seconds of audio from the file header (WAV/FLAC via libsndfile, MP4 via the container), never decoding."""
    if path.suffix.lower() in (".mp4", ".m4a", ".mkv"):
        from torchcodec.decoders import AudioDecoder

        try:
            duration = AudioDecoder(str(path)).metadata.duration_seconds_from_header
        except Exception as err:  # torchcodec raises RuntimeError/ValueError subclasses for broken containers
            raise AudioReadError(f"unreadable container ({err.__class__.__name__})") from err
    else:
        try:
            info = sf.info(str(path))
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioReadError(f"unreadable audio header ({err})") from err
        duration = info.frames / info.samplerate if info.samplerate else 0.0
    if not duration:
        raise AudioReadError("no audio samples")
    return float(duration)


class SkipReport:
    """Files a loader did not yield, counted per reason, with the first few paths of each."""

    EXAMPLES = 5

    def __init__(self, corpus: str):
        self.corpus = corpus
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.kept = 0

    def skip(self, reason: str, path: Path | str, detail: str = "") -> None:
        self.counts[reason] += 1
        if len(self.examples[reason]) < self.EXAMPLES:
            self.examples[reason].append(f"{path}{': ' + detail if detail else ''}")

    def to_dict(self) -> dict:
        return {
            "corpus": self.corpus,
            "kept": self.kept,
            "skipped": dict(self.counts),
            "examples": dict(self.examples),
        }

    def log(self) -> None:
        if not self.counts:
            logger.info(f"{self.corpus}: {self.kept} utterances, nothing skipped.")
            return
        reasons = ", ".join(f"{count} {reason}" for reason, count in self.counts.most_common())
        logger.warning(f"{self.corpus}: {self.kept} utterances kept; skipped {sum(self.counts.values())}: {reasons}.")


@dataclass
class Utterance:
    """What a corpus module knows of one file before the base adds emotion and duration."""

    path: Path
    native_label: str
    speaker: str
    gender: str = "unknown"
    language: str = "en"
    text: str | None = None
    corpus_split: str | None = None


def locate_root(data_dir: str | Path, markers: tuple[str, ...], title: str, layout: str) -> Path:
    """The folder at or below `data_dir` (up to SEARCH_DEPTH levels) holding one of `markers` (glob patterns)."""
    base = Path(data_dir).expanduser()
    if not base.is_dir():
        raise FileNotFoundError(f"{title}: data_dir '{base}' is not a folder. Expected layout: {layout}")
    level = [base]
    for _ in range(SEARCH_DEPTH + 1):
        for folder in level:
            if any(next(folder.glob(marker), None) is not None for marker in markers):
                return folder
        level = sorted(child for folder in level for child in folder.iterdir() if child.is_dir())
    raise FileNotFoundError(
        f"{title}: found none of {list(markers)} in '{base}' or the {SEARCH_DEPTH} levels below it. "
        f"Expected layout: {layout}"
    )


def folder_fingerprint(root: Path) -> str:
    """A hash of every file's relative path, size and modification time below `root` (no file is read), so a
    copy changed in place is prepared again instead of loading a stale Arrow cache."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@dataclass
class SERConfig(datasets.BuilderConfig):
    """One configuration per corpus: the corpus as the paper uses it; `fingerprint` keys the Arrow cache to the
    content of the user's copy."""

    fingerprint: str | None = None


class SERCorpusBuilder(datasets.GeneratorBasedBuilder):
    """Base of the corpus loaders. A subclass sets the class attributes and implements `_utterances`."""

    CORPUS: ClassVar[str]
    TITLE: ClassVar[str]
    HOMEPAGE: ClassVar[str]
    LICENSE: ClassVar[str]
    CITATION: ClassVar[str] = ""
    MARKERS: ClassVar[tuple[str, ...]]
    REQUIRED: ClassVar[tuple[tuple[str, ...], ...]] = ()
    """Paths (glob patterns, relative to the root) the layout needs beyond a marker: one of each tuple."""
    LAYOUT: ClassVar[str]
    PATTERN: ClassVar[re.Pattern]

    VERSION = datasets.Version("1.0.0")
    BUILDER_CONFIGS = [SERConfig(name="default", version=datasets.Version("1.0.0"))]
    DEFAULT_WRITER_BATCH_SIZE = 1000

    def _info(self) -> datasets.DatasetInfo:
        return datasets.DatasetInfo(
            description=f"{self.TITLE}, read from a local copy in its original layout ({self.LAYOUT}).",
            features=FEATURES,
            homepage=self.HOMEPAGE,
            license=self.LICENSE,
            citation=self.CITATION,
        )

    def _split_generators(self, dl_manager):
        if not self.config.data_dir:
            raise ValueError(
                f"{self.TITLE} is never downloaded by whisper-ser: pass `data_dir=` pointing at your copy "
                f"({self.LAYOUT}). Get it from {self.HOMEPAGE}."
            )
        root = locate_root(self.config.data_dir, self.MARKERS, self.TITLE, self.LAYOUT)
        for alternatives in self.REQUIRED:
            if not any(next(root.glob(pattern), None) is not None for pattern in alternatives):
                raise FileNotFoundError(
                    f"{self.TITLE}: missing {' or '.join(repr(str(root / p)) for p in alternatives)}. "
                    f"Expected layout: {self.LAYOUT}"
                )
        return [datasets.SplitGenerator(name=datasets.Split.TRAIN, gen_kwargs={"root": str(root)})]

    def _generate_examples(self, root: str) -> Iterator[tuple[str, dict]]:
        root_path, report, seen = Path(root), SkipReport(self.CORPUS), set()
        for utterance in self._utterances(root_path, report):
            relative = utterance.path.relative_to(root_path).as_posix()
            emotion = to_canonical(self.CORPUS, utterance.native_label)
            if emotion is None:
                report.skip("label outside the canonical vocabulary", relative, utterance.native_label)
                continue
            try:
                duration = audio_duration(utterance.path)
            except AudioReadError as err:
                report.skip("unreadable or empty audio", relative, str(err))
                continue
            key = f"{self.CORPUS}/{relative.rsplit('.', 1)[0]}"
            if key in seen:
                report.skip("duplicate id", relative)
                continue
            seen.add(key)
            report.kept += 1
            yield (
                key,
                {
                    "id": key,
                    "audio": str(utterance.path),
                    "emotion": emotion,
                    "native_label": utterance.native_label,
                    "speaker": f"{self.CORPUS}/{utterance.speaker}",
                    "gender": utterance.gender,
                    "language": utterance.language,
                    "corpus": self.CORPUS,
                    "duration": duration,
                    "text": utterance.text,
                    "corpus_split": utterance.corpus_split,
                },
            )
        report.log()
        (Path(self._output_dir) / SKIP_REPORT).write_text(json.dumps(report.to_dict(), indent=2))

    @property
    def skip_report(self) -> dict:
        """What the last preparation skipped, per reason (read back from the Arrow cache folder)."""
        path = Path(self.cache_dir) / SKIP_REPORT
        if not path.is_file():
            raise FileNotFoundError(f"{self.TITLE}: no skip report in '{self.cache_dir}'; prepare the corpus first.")
        return json.loads(path.read_text())

    def match(self, path: Path, report: SkipReport, root: Path, name: str | None = None) -> re.Match | None:
        """`PATTERN` against a file name (or `name`); a mismatch is a counted skip."""
        found = self.PATTERN.fullmatch(name if name is not None else path.name)
        if found is None:
            report.skip("file name outside the corpus' grammar", path.relative_to(root).as_posix())
        return found

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        raise NotImplementedError
