"""ESD (Zhou et al., 2021), English speakers 0011-0020:
`{spk}/{Emotion}/{train,evaluation,test}/{spk}_{nnnnnn}.wav`, or without the split level; transcripts in a
tab-separated `{spk}/*.txt` (utterance id, text, emotion), UTF-8 or UTF-16 (with a BOM), else Latin-1 for the
English speakers (GB18030 for the Mandarin ones). The emotion folder is the label."""

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

ENGLISH = {f"{i:04d}" for i in range(11, 21)}
MALE = {"0011", "0012", "0013", "0014", "0020"}  # from the release's README
SPLITS = ("train", "evaluation", "test")
EMOTIONS = ("Angry", "Happy", "Neutral", "Sad", "Surprise")


def decode_transcript(raw: bytes, english: bool) -> tuple[str, str]:
    """The text of a transcript file and the encoding it was read with."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        encoding = "latin-1" if english else "gb18030"
        return raw.decode(encoding, errors="replace"), encoding


class ESD(SERCorpusBuilder):
    CORPUS = "esd"
    TITLE = "ESD (English part)"
    HOMEPAGE = "https://hltsingapore.github.io/ESD/"
    LICENSE = "research use only, no redistribution"
    REDISTRIBUTABLE = False
    CITATION = "Zhou, Sisman, Liu & Li (2021), ICASSP; Speech Communication (2022)."
    MARKERS = ("00[0-2][0-9]/Neutral",)
    LAYOUT = "Emotional Speech Dataset (ESD)/0011/Angry/train/0011_000351.wav and 0011/0011.txt"
    PATTERN = re.compile(r"(?P<speaker>\d{4})_(?P<number>\d{6})")
    RELEASE_COUNTS = {e: 3500 for e in ("angry", "happy", "neutral", "sad", "surprised")}
    RELEASE_SOURCE = "the release's README: 10 English speakers x 350 utterances per emotion (no public file list)"
    PAPER_COUNTS = {e: 3500 for e in ("angry", "happy", "neutral", "sad", "surprised")}

    @staticmethod
    def _transcripts(speaker_dir: Path, report: SkipReport) -> dict[str, str]:
        texts = {}
        for transcript in sorted(speaker_dir.glob("*.txt")):
            text, encoding = decode_transcript(transcript.read_bytes(), speaker_dir.name in ENGLISH)
            if encoding not in ("utf-8", "utf-16"):
                report.notes.append(f"{report.relative(transcript)} is not UTF-8: read as {encoding}")
            for line in text.splitlines():
                fields = line.split("\t")
                if len(fields) >= 2:
                    texts[fields[0].strip()] = fields[1].strip()
        return texts

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        texts: dict[str, dict[str, str]] = {}
        for path in files:
            parts = path.relative_to(root).parts
            if len(parts) not in (3, 4) or not re.fullmatch(r"\d{4}", parts[0]) or parts[1] not in EMOTIONS:
                continue
            speaker = parts[0]
            if speaker not in ENGLISH:
                report.skip("Mandarin speaker (English part only)", path)
                continue
            if not self.match(path, report):
                continue
            split = parts[2] if len(parts) == 4 else None
            if split is not None and split not in SPLITS:
                report.skip("unknown split folder", path, split)
                continue
            if speaker not in texts:
                texts[speaker] = self._transcripts(root / speaker, report)
            yield Utterance(
                path=path,
                native_label=parts[1],
                speaker=speaker,
                gender="male" if speaker in MALE else "female",
                text=texts[speaker].get(path.stem),
                corpus_split=split,
            )
