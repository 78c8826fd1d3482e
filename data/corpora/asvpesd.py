"""ASVP-ESD (Landry et al., 2021), `Audio/actor_NN/` and `Bonus/actor_NN/`: dash-separated numeric names of 8
to 12 fields — modality, vocal channel, emotion, intensity, statement, actor, age, source, language, extras.
Field 9 == 02 is English (the paper's selection); speech and non-speech are both kept. Codes outside the paper's
classes (boredom, excited, pleasure, disappointment, breath, 17) are counted skips."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import RULE_MOST_SPEECH, SERCorpusBuilder, SkipReport, Utterance

ENGLISH = "02"
ACTOR_FOLDER = re.compile(r"actor_\d+")


class AsvpEsd(SERCorpusBuilder):
    CORPUS = "asvpesd"
    TITLE = "ASVP-ESD"
    HOMEPAGE = "https://zenodo.org/records/7132783"
    LICENSE = "CC BY 4.0"
    REDISTRIBUTABLE = True
    CITATION = "Landry, He, Yan, Xie (2021), ASVP-ESD, Zenodo."
    MARKERS = ("Audio/actor_*",)
    LAYOUT = "ASVP-ESD-Update/Audio/actor_36/03-01-09-01-06-36-02-02-01-39.wav (and Bonus/actor_NN/)"
    PATTERN = re.compile(r"\d+(?:-\d+){7,11}")
    TEST_RULE = RULE_MOST_SPEECH
    RELEASE_COUNTS = {"angry": 570, "disgust": 628, "fear": 537, "happy": 666, "neutral": 715, "pain": 555,
                      "surprised": 667, "sad": 415}  # fmt: skip
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/asvpesd/asvpesd.jsonl), English files (field 9 = 02)"
    PAPER_COUNTS = {"angry": 585, "disgust": 612, "fear": 544, "happy": 652, "neutral": 714, "pain": 558,
                    "surprised": 695}  # fmt: skip

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        for path in files:
            parts = path.relative_to(root).parts
            if len(parts) != 3 or parts[0] not in ("Audio", "Bonus") or not ACTOR_FOLDER.fullmatch(parts[1]):
                continue
            if not self.match(path, report):
                continue
            fields = path.stem.split("-")
            if len(fields) < 9:
                report.skip("no language field (8-field name)", path)
                continue
            if fields[8] != ENGLISH:
                report.skip("not English (language field != 02)", path, fields[8])
                continue
            yield Utterance(path=path, native_label=fields[2], speaker=str(int(fields[5])))
