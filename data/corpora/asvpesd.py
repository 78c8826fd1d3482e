"""ASVP-ESD (Landry et al., 2021), `Audio/actor_NN/` and `Bonus/actor_NN/`: dash-separated numeric names of 8
to 12 fields — modality, vocal channel, emotion, intensity, statement, actor, age, source, language, extras.
Field 9 == 02 is English (the paper's selection); speech and non-speech are both kept."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

ENGLISH = "02"


class AsvpEsd(SERCorpusBuilder):
    CORPUS = "asvpesd"
    TITLE = "ASVP-ESD"
    HOMEPAGE = "https://zenodo.org/records/7132783"
    LICENSE = "CC BY 4.0"
    CITATION = "Landry, He, Yan, Xie (2021), ASVP-ESD, Zenodo."
    MARKERS = ("Audio/actor_*",)
    LAYOUT = "ASVP-ESD-Update/Audio/actor_36/03-01-09-01-06-36-02-02-01-39.wav (and Bonus/actor_NN/)"
    PATTERN = re.compile(r"\d+(?:-\d+){7,11}\.wav")

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        for path in sorted(root.glob("Audio/actor_*/*.wav")) + sorted(root.glob("Bonus/actor_*/*.wav")):
            if not self.match(path, report, root):
                continue
            fields = path.stem.split("-")
            relative = path.relative_to(root).as_posix()
            if len(fields) < 9:
                report.skip("no language field (8-field name)", relative)
                continue
            if fields[8] != ENGLISH:
                report.skip("not English (language field != 02)", relative, fields[8])
                continue
            yield Utterance(path=path, native_label=fields[2], speaker=str(int(fields[5])))
