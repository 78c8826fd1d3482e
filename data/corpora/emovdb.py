"""EmoV-DB (Adigwe et al., 2018): per-archive folders `{speaker}_{Style}/{style}_{a}-{b}_{NNNN}.wav` or the
re-packaged `EmoV-DB_sorted/{speaker}/{Style}/` tree, 16 or 44.1 kHz. The release also writes style words
capitalised (`Neutral_…`, `Disgust_…`) and the range with `_` (`sleepiness_113_140_0113.wav`).

Sam's `Disgusted` folder is read: the paper's Table 1 disgust count (522) is bea's 333 and jenie's 189 only."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

SPEAKERS = {"bea": "female", "jenie": "female", "josh": "male", "sam": "male"}
STYLE_WORDS = {
    "Amused": "amused",
    "Angry": "anger",
    "Disgusted": "disgust",
    "Neutral": "neutral",
    "Sleepy": "sleepiness",
}
ARCHIVE_FOLDER = re.compile(rf"(?P<speaker>{'|'.join(SPEAKERS)})_(?P<style>{'|'.join(STYLE_WORDS)})")


class EmovDB(SERCorpusBuilder):
    CORPUS = "emovdb"
    TITLE = "EmoV-DB"
    HOMEPAGE = "https://www.openslr.org/115/"
    LICENSE = "see the release's licence (OpenSLR resource 115)"
    REDISTRIBUTABLE = False  # no redistribution grant we could verify
    CITATION = "Adigwe, Tits, El Haddad, Ostadabbas & Dutoit (2018), arXiv:1806.09514."
    MARKERS = tuple(f"{s}_{style}" for s in SPEAKERS for style in STYLE_WORDS) + tuple(
        f"{s}/{style}" for s in SPEAKERS for style in STYLE_WORDS
    )
    LAYOUT = "jenie_Amused/amused_57-84_0057.wav (one folder per speaker and style) or EmoV-DB_sorted/jenie/Amused/"
    PATTERN = re.compile(r"(?P<word>[A-Za-z]+)_(?P<first>\d+)[-_](?P<last>\d+)_(?P<sentence>\d{4})")
    RELEASE_COUNTS = {"amused": 1315, "sleepy": 1720, "angry": 1267, "disgust": 1019, "neutral": 1566}
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/emovdb/emovdb.jsonl)"
    PAPER_COUNTS = {"amused": 1317, "sleepy": 1721, "angry": 1268, "disgust": 522, "neutral": 1568}

    @staticmethod
    def _speaker_style(path: Path) -> tuple[str, str] | None:
        if found := ARCHIVE_FOLDER.fullmatch(path.parent.name):
            return found["speaker"], found["style"]
        if path.parent.name in STYLE_WORDS and path.parent.parent.name in SPEAKERS:
            return path.parent.parent.name, path.parent.name
        return None

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        for path in files:
            if (located := self._speaker_style(path)) is None or not (found := self.match(path, report)):
                continue
            speaker, style = located
            if found["word"].lower() != STYLE_WORDS[style]:
                report.skip("style word disagrees with its folder", path, found["word"])
                continue
            yield Utterance(path=path, native_label=style, speaker=speaker, gender=SPEAKERS[speaker])
