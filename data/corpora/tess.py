"""TESS (Dupuis & Pichora-Fuller, 2010): 14 speaker x emotion folders of `{OAF|YAF}_{word}_{emotion}.wav`.

Folder names are inconsistent across copies, so the emotion comes from the file name; Kaggle copies that
nest the tree or duplicate it are searched recursively and duplicate file names are counted skips."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance


class Tess(SERCorpusBuilder):
    CORPUS = "tess"
    TITLE = "TESS"
    HOMEPAGE = "https://doi.org/10.5683/SP2/E8H2MF"
    LICENSE = "CC BY-NC-ND 4.0"
    CITATION = "Dupuis & Pichora-Fuller (2010), Toronto emotional speech set (TESS), University of Toronto."
    MARKERS = ("[OY]AF_*/",)
    LAYOUT = "TESS Toronto emotional speech set data/OAF_angry/OAF_back_angry.wav (14 folders)"
    PATTERN = re.compile(r"(?P<speaker>OAF|YAF)_(?P<word>[A-Za-z]+)_(?P<emotion>[A-Za-z]+)\.wav", re.IGNORECASE)

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        seen: set[str] = set()
        for path in sorted(root.rglob("*.wav")):
            if not (found := self.match(path, report, root)):
                continue
            if path.name.lower() in seen:
                report.skip("duplicate file name (copied tree)", path.relative_to(root).as_posix())
                continue
            seen.add(path.name.lower())
            yield Utterance(
                path=path,
                native_label=found["emotion"].lower(),
                speaker=found["speaker"].upper(),
                gender="female",
                text=f"Say the word {found['word'].lower()}.",
            )
