"""The one base of every corpus loader: locating a user's local copy, the shared schema, durations read from
file headers, and counted, reported skips."""

import hashlib
import json
import os
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
    """An audio file whose header cannot be read, that holds no samples, or whose data ends before its header says."""


SOUNDFILE_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff"})
CONTAINER_SUFFIXES = frozenset({".mp4", ".m4a", ".mkv", ".webm", ".aac", ".opus", ".wma"})
AUDIO_SUFFIXES = SOUNDFILE_SUFFIXES | CONTAINER_SUFFIXES
"""File suffixes (any case) counted as audio: every such file below a corpus root is a row or a counted skip."""
TAIL_FRAMES = 4096


def audio_duration(path: Path) -> float:
    """Seconds of audio from the file header (libsndfile, or the container via torchcodec), never decoding the
    whole file; the last frames the header promises are read, so a truncated file fails here, named."""
    if path.suffix.lower() in CONTAINER_SUFFIXES:
        from torchcodec.decoders import AudioDecoder

        try:
            duration = AudioDecoder(str(path)).metadata.duration_seconds_from_header
        except Exception as err:  # torchcodec raises RuntimeError/ValueError subclasses for broken containers
            raise AudioReadError(f"unreadable container ({err.__class__.__name__})") from err
    else:
        try:
            with sf.SoundFile(str(path)) as audio:
                frames, rate = audio.frames, audio.samplerate
                if frames > 0:
                    tail = min(frames, TAIL_FRAMES)
                    audio.seek(frames - tail)
                    if len(audio.read(tail, dtype="int16")) < tail:
                        raise AudioReadError(f"truncated: the header promises {frames} frames, the data ends sooner")
        except (sf.LibsndfileError, RuntimeError) as err:
            raise AudioReadError(f"unreadable or truncated audio ({err})") from err
        duration = frames / rate if rate else 0.0
    if not duration:
        raise AudioReadError("no audio samples")
    return float(duration)


class SkipReport:
    """Files a loader did not yield, counted per reason, with the first few paths of each; `notes` record what the
    loader changed without skipping (merged speaker spellings). Paths are relative to the corpus root."""

    EXAMPLES = 5

    def __init__(self, corpus: str, root: Path | None = None):
        self.corpus, self.root = corpus, root
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.notes: list[str] = []
        self.kept = 0
        self.handled: set[str] = set()

    def relative(self, path: Path | str) -> str:
        path = Path(path)
        if self.root is not None and path.is_absolute() and path.is_relative_to(self.root):
            return path.relative_to(self.root).as_posix()
        return path.as_posix()

    def skip(self, reason: str, path: Path | str, detail: str = "") -> None:
        relative = self.relative(path)
        self.handled.add(relative)
        self.counts[reason] += 1
        if len(self.examples[reason]) < self.EXAMPLES:
            self.examples[reason].append(f"{relative}{': ' + detail if detail else ''}")

    def to_dict(self) -> dict:
        return {
            "corpus": self.corpus,
            "kept": self.kept,
            "skipped": dict(self.counts),
            "examples": dict(self.examples),
            "notes": self.notes,
        }

    def log(self) -> None:
        for note in self.notes:
            logger.info(f"{self.corpus}: {note}")
        if not self.counts:
            logger.info(f"{self.corpus}: {self.kept} utterances, nothing skipped.")
            return
        reasons = ", ".join(f"{count} {reason}" for reason, count in self.counts.most_common())
        logger.warning(f"{self.corpus}: {self.kept} utterances kept; skipped {sum(self.counts.values())}: {reasons}.")


SKIP_UNREADABLE_FOLDER = "unreadable folder (its files are not counted)"
SKIP_LINK_LOOP = "folder reached again through a link"
SKIP_OUTSIDE_LAYOUT = "not part of the corpus layout"


def scan_audio(root: Path, report: SkipReport) -> list[Path]:
    """Every audio file (by suffix, any case) below `root`, following links to folders once each; a folder that
    cannot be listed is a counted skip."""

    def unreadable(err: OSError) -> None:
        report.skip(SKIP_UNREADABLE_FOLDER, err.filename, err.strerror or err.__class__.__name__)

    found, visited = [], set()
    for folder, children, names in os.walk(root, onerror=unreadable, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            report.skip(SKIP_LINK_LOOP, folder, real)
            children[:] = []
            continue
        visited.add(real)
        children.sort()
        found += [Path(folder, name) for name in sorted(names) if Path(name).suffix.lower() in AUDIO_SUFFIXES]
    return found


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
    """The folder at or below `data_dir` (up to SEARCH_DEPTH levels) holding one of `markers` (glob patterns);
    when several folders of the same level hold one (RAVDESS' Speech and Song trees), the folder above them all."""
    base = Path(data_dir).expanduser()
    if not base.is_dir():
        raise FileNotFoundError(f"{title}: data_dir '{base}' is not a folder. Expected layout: {layout}")
    level = [base]
    for _ in range(SEARCH_DEPTH + 1):
        hits = [folder for folder in level if any(next(folder.glob(m), None) is not None for m in markers)]
        if hits:
            return hits[0] if len(hits) == 1 else Path(os.path.commonpath(hits))
        level = sorted(child for folder in level for child in _subfolders(folder))
    raise FileNotFoundError(
        f"{title}: found none of {list(markers)} in '{base}' or the {SEARCH_DEPTH} levels below it. "
        f"Expected layout: {layout}"
    )


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [child for child in folder.iterdir() if child.is_dir()]
    except OSError:  # an unreadable folder is reported when the corpus is scanned
        return []


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


RULE_RANDOM = "random speaker"
RULE_MOST_SPEECH = "most speech"
RULE_UTTERANCE_CV = "one speaker, CV over the other's utterances"
RULE_UTTERANCE_SHARE = "share of utterances"
TEST_RULES = (RULE_RANDOM, RULE_MOST_SPEECH, RULE_UTTERANCE_CV, RULE_UTTERANCE_SHARE)

SKIP_LABEL = "label not among the corpus' classes"
SKIP_UNREADABLE = "unreadable, truncated or empty audio"
SKIP_DUPLICATE = "duplicate id"
SKIP_GRAMMAR = "file name outside the corpus' grammar"


class SERCorpusBuilder(datasets.GeneratorBasedBuilder):
    """Base of the corpus loaders. A subclass sets the class attributes and implements `_utterances`; the base
    scans every audio file below the root once, and each file becomes a row or a counted skip."""

    CORPUS: ClassVar[str]
    TITLE: ClassVar[str]
    HOMEPAGE: ClassVar[str]
    LICENSE: ClassVar[str]
    REDISTRIBUTABLE: ClassVar[bool]
    """Whether the licence lets a publisher upload the original audio files (the one place this is decided)."""
    CITATION: ClassVar[str] = ""
    MARKERS: ClassVar[tuple[str, ...]]
    REQUIRED: ClassVar[tuple[tuple[str, ...], ...]] = ()
    """Paths (glob patterns, relative to the root) the layout needs beyond a marker: one of each tuple."""
    LAYOUT: ClassVar[str]
    PATTERN: ClassVar[re.Pattern]
    """The grammar of a file's stem (any audio suffix, any case)."""
    TEST_RULE: ClassVar[str] = RULE_RANDOM
    """How the protocol holds out test data (one of `TEST_RULES`; the paper's rule for the corpus)."""
    TEST_SHARE: ClassVar[float | None] = None
    """The test share of utterances, for `RULE_UTTERANCE_SHARE`."""
    RELEASE_COUNTS: ClassVar[dict[str, int]] = {}
    """Clips per canonical emotion a complete copy yields (from the release's public file list; see
    `RELEASE_SOURCE`); empty where no list is public."""
    RELEASE_SOURCE: ClassVar[str] = ""
    PAPER_COUNTS: ClassVar[dict[str, int]] = {}
    """Clips per emotion in the paper's Table 1, as printed."""
    UNCLAIMED: ClassVar[str] = SKIP_OUTSIDE_LAYOUT
    """The skip reason of an audio file below the root that `_utterances` neither yielded nor skipped."""

    VERSION = datasets.Version("1.1.0")
    BUILDER_CONFIGS = [SERConfig(name="default", version=datasets.Version("1.1.0"))]
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
        self._check_metadata(root)
        return [datasets.SplitGenerator(name=datasets.Split.TRAIN, gen_kwargs={"root": str(root)})]

    def _check_metadata(self, root: Path) -> None:
        """Raise, naming the file, when a metadata file of the layout lacks what the loader reads (before any row
        is written; datasets would wrap an error raised while generating)."""

    def canonical(self, native: str) -> str | None:
        """The canonical emotion of a native label (`labels.NATIVE_LABELS`), or None."""
        return to_canonical(self.CORPUS, native)

    def _generate_examples(self, root: str) -> Iterator[tuple[str, dict]]:
        root_path = Path(root)
        report, seen = SkipReport(self.CORPUS, root_path), set()
        files = scan_audio(root_path, report)
        for utterance in self._utterances(root_path, files, report):
            relative = report.relative(utterance.path)
            emotion = self.canonical(utterance.native_label)
            if emotion is None:
                report.skip(SKIP_LABEL, relative, utterance.native_label)
                continue
            try:
                duration = audio_duration(utterance.path)
            except AudioReadError as err:
                report.skip(SKIP_UNREADABLE, relative, str(err))
                continue
            key = f"{self.CORPUS}/{relative.rsplit('.', 1)[0]}"
            if key in seen:
                report.skip(SKIP_DUPLICATE, relative)
                continue
            seen.add(key)
            report.handled.add(relative)
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
        for path in files:
            if report.relative(path) not in report.handled:
                report.skip(self.UNCLAIMED, path, f"expected: {self.LAYOUT}")
        report.log()
        (Path(self._output_dir) / SKIP_REPORT).write_text(json.dumps(report.to_dict(), indent=2))

    @property
    def skip_report(self) -> dict:
        """What the last preparation skipped, per reason (read back from the Arrow cache folder)."""
        path = Path(self.cache_dir) / SKIP_REPORT
        if not path.is_file():
            raise FileNotFoundError(f"{self.TITLE}: no skip report in '{self.cache_dir}'; prepare the corpus first.")
        return json.loads(path.read_text())

    def match(self, path: Path, report: SkipReport) -> re.Match | None:
        """`PATTERN` against a file's stem; a mismatch is a counted skip."""
        found = self.PATTERN.fullmatch(path.stem)
        if found is None:
            report.skip(SKIP_GRAMMAR, path)
        return found

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        """The utterances of `files` (every audio file below `root`); a file neither yielded nor skipped here is
        counted by the base as not part of the layout."""
        raise NotImplementedError
