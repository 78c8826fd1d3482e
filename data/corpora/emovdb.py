"""EmoV-DB (Adigwe et al., 2018): per-archive folders `{speaker}_{Style}/{style}_{a}-{b}_{NNNN}.wav` or the
re-packaged `EmoV-DB_sorted/{speaker}/{Style}/` tree, 16 kHz."""

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


class EmovDB(SERCorpusBuilder):
    CORPUS = "emovdb"
    TITLE = "EmoV-DB"
    HOMEPAGE = "https://www.openslr.org/115/"
    LICENSE = "see the release's licence (OpenSLR resource 115)"
    CITATION = "Adigwe, Tits, El Haddad, Ostadabbas & Dutoit (2018), arXiv:1806.09514."
    MARKERS = tuple(f"{s}_{style}" for s in SPEAKERS for style in STYLE_WORDS) + tuple(
        f"{s}/{style}" for s in SPEAKERS for style in STYLE_WORDS
    )
    LAYOUT = "jenie_Amused/amused_57-84_0057.wav (one folder per speaker and style) or EmoV-DB_sorted/jenie/Amused/"
    PATTERN = re.compile(
        r"(?P<speaker>bea|jenie|josh|sam)[_/](?P<style>Amused|Angry|Disgusted|Neutral|Sleepy)/"
        r"(?P<word>[a-z]+)_(?P<first>\d+)-(?P<last>\d+)_(?P<sentence>\d{4})\.wav"
    )

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        files = sorted(root.glob("*_*/*.wav")) + sorted(root.glob("*/*/*.wav"))
        for path in files:
            relative = path.relative_to(root).as_posix()
            if not (found := self.match(path, report, root, name=relative)):
                continue
            if found["word"] != STYLE_WORDS[found["style"]]:
                report.skip("style word disagrees with its folder", relative, found["word"])
                continue
            yield Utterance(
                path=path,
                native_label=found["style"],
                speaker=found["speaker"],
                gender=SPEAKERS[found["speaker"]],
            )
