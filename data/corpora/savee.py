"""SAVEE (Jackson & Haq, 2014): `AudioData/{DC,JE,JK,KL}/{code}{NN}.wav`, or flat `{spk}_{code}{NN}.wav` (Kaggle's
`ALL/`, or the files at the top as in the EmoBox copy)."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

SPEAKERS = ("DC", "JE", "JK", "KL")


class Savee(SERCorpusBuilder):
    CORPUS = "savee"
    TITLE = "SAVEE"
    HOMEPAGE = "http://kahlan.eps.surrey.ac.uk/savee/"
    LICENSE = "free for research use"
    REDISTRIBUTABLE = False  # no redistribution grant
    CITATION = "Jackson & Haq (2014), Surrey Audio-Visual Expressed Emotion (SAVEE) database."
    MARKERS = ("AudioData/[DJK][CEKL]", "ALL/[DJK][CEKL]_*", "[DJK][CEKL]_*")
    LAYOUT = "AudioData/DC/a01.wav (folders DC, JE, JK, KL), or flat ALL/DC_a01.wav"
    PATTERN = re.compile(r"(?:(?P<flat>DC|JE|JK|KL)_)?(?P<code>sa|su|[adfhn])(?P<number>\d{2})")
    RELEASE_COUNTS = {"angry": 60, "disgust": 60, "fear": 60, "happy": 60, "neutral": 120, "sad": 60, "surprised": 60}
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/savee/savee.jsonl)"
    PAPER_COUNTS = {"angry": 60, "disgust": 45, "fear": 60, "happy": 60, "neutral": 120, "sad": 60, "surprised": 60}

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        for path in files:
            if not (found := self.match(path, report)):
                continue
            speaker = found["flat"] or path.parent.name
            if speaker not in SPEAKERS:
                report.skip("unknown speaker folder", path)
                continue
            yield Utterance(path=path, native_label=found["code"], speaker=speaker, gender="male")
