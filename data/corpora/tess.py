"""TESS (Dupuis & Pichora-Fuller, 2010): `{OAF|YAF}_{word}_{emotion}.wav` in 14 speaker x emotion folders, or
flat (the EmoBox copy).

Folder names are inconsistent across copies, so the emotion comes from the file name; Kaggle copies that nest the
tree or duplicate it are searched at any depth and duplicate file names are counted skips."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import RULE_UTTERANCE_CV, SERCorpusBuilder, SkipReport, Utterance


class Tess(SERCorpusBuilder):
    CORPUS = "tess"
    TITLE = "TESS"
    HOMEPAGE = "https://doi.org/10.5683/SP2/E8H2MF"
    LICENSE = "CC BY-NC-ND 4.0"
    REDISTRIBUTABLE = True  # verbatim copies only (whisper-ser uploads the original files)
    CITATION = "Dupuis & Pichora-Fuller (2010), Toronto emotional speech set (TESS), University of Toronto."
    MARKERS = ("[OY]AF_*/", "[OY]AF_*_*.wav")
    LAYOUT = "TESS Toronto emotional speech set data/OAF_angry/OAF_back_angry.wav (14 folders, or the files flat)"
    PATTERN = re.compile(r"(?P<speaker>OAF|YAF)_(?P<word>[A-Za-z]+)_(?P<emotion>[A-Za-z]+)", re.IGNORECASE)
    TEST_RULE = RULE_UTTERANCE_CV
    RELEASE_COUNTS = {e: 400 for e in ("angry", "disgust", "fear", "happy", "neutral", "surprised", "sad")}
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/tess/tess.jsonl)"
    PAPER_COUNTS = {e: 400 for e in ("angry", "disgust", "fear", "happy", "neutral", "surprised", "sad")}

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        seen: set[str] = set()
        for path in files:
            if not (found := self.match(path, report)):
                continue
            if path.name.lower() in seen:
                report.skip("duplicate file name (copied tree)", path)
                continue
            seen.add(path.name.lower())
            yield Utterance(
                path=path,
                native_label=found["emotion"].lower(),
                speaker=found["speaker"].upper(),
                gender="female",
                text=f"Say the word {found['word'].lower()}.",
            )
