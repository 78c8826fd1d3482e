"""SAVEE (Jackson & Haq, 2014): `AudioData/{DC,JE,JK,KL}/{code}{NN}.wav`, or Kaggle's flat
`ALL/{spk}_{code}{NN}.wav`."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance


class Savee(SERCorpusBuilder):
    CORPUS = "savee"
    TITLE = "SAVEE"
    HOMEPAGE = "http://kahlan.eps.surrey.ac.uk/savee/"
    LICENSE = "free for research use"
    CITATION = "Jackson & Haq (2014), Surrey Audio-Visual Expressed Emotion (SAVEE) database."
    MARKERS = ("AudioData/[DJK][CEKL]", "ALL/[DJK][CEKL]_*.wav")
    LAYOUT = "AudioData/DC/a01.wav (folders DC, JE, JK, KL) or ALL/DC_a01.wav"
    PATTERN = re.compile(r"(?:(?P<flat>DC|JE|JK|KL)_)?(?P<code>sa|su|[adfhn])(?P<number>\d{2})\.wav")

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        files = sorted(root.glob("AudioData/*/*.wav")) + sorted(root.glob("ALL/*.wav"))
        for path in files:
            if not (found := self.match(path, report, root)):
                continue
            speaker = found["flat"] or path.parent.name
            if speaker not in ("DC", "JE", "JK", "KL"):
                report.skip("unknown speaker folder", path.relative_to(root).as_posix())
                continue
            yield Utterance(path=path, native_label=found["code"], speaker=speaker, gender="male")
