"""CREMA-D (Cao et al., 2014): `AudioWAV/AAAA_SSS_EEE_LL.wav`, 16 kHz, genders in `VideoDemographics.csv`."""

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance, logger

SENTENCES = {
    "IEO": "It's eleven o'clock.", "TIE": "That is exactly what happened.", "IOM": "I'm on my way to the meeting.",
    "IWW": "I wonder what this is about.", "TAI": "The airplane is almost full.",
    "MTI": "Maybe tomorrow it will be cold.", "IWL": "I would like a new alarm clock.",
    "ITH": "I think I have a doctor's appointment.", "DFA": "Don't forget a jacket.",
    "ITS": "I think I've seen this before.", "TSI": "The surface is slick.",
    "WSI": "We'll stop in a couple of minutes.",
}  # fmt: skip
NO_SIGNAL = frozenset({"1076_MTI_SAD_XX", "1076_MTI_NEU_XX"})
"""Files of the release with a valid header and no signal, as reported in the corpus' issue tracker."""


class CremaD(SERCorpusBuilder):
    CORPUS = "cremad"
    TITLE = "CREMA-D"
    HOMEPAGE = "https://github.com/CheyneyComputerScience/CREMA-D"
    LICENSE = "ODbL-1.0"
    REDISTRIBUTABLE = True
    CITATION = "Cao et al. (2014), IEEE Transactions on Affective Computing 5(4)."
    MARKERS = ("AudioWAV",)
    LAYOUT = "CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav and CREMA-D/VideoDemographics.csv"
    PATTERN = re.compile(r"(?P<actor>\d{4})_(?P<sentence>[A-Z]{3})_(?P<emotion>[A-Z]{3})_(?P<level>[A-Z]{1,2})")
    RELEASE_COUNTS = {"angry": 1271, "disgust": 1271, "fear": 1271, "happy": 1271, "neutral": 1086, "sad": 1270}
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/cremad/cremad.jsonl), less the 2 files with no signal"
    PAPER_COUNTS = {"angry": 1271, "disgust": 1271, "fear": 1271, "happy": 1271, "neutral": 1087, "sad": 1271}

    def _genders(self, root: Path) -> dict[str, str]:
        demographics = root / "VideoDemographics.csv"
        if not demographics.is_file():
            logger.warning(f"{self.TITLE}: no '{demographics}'; gender is 'unknown' for every speaker.")
            return {}
        with demographics.open(newline="", encoding="utf-8-sig") as handle:
            return {row["ActorID"].strip(): row["Sex"].strip().lower() for row in csv.DictReader(handle)}

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        genders = self._genders(root)
        for path in files:
            if path.parent != root / "AudioWAV" or not (found := self.match(path, report)):
                continue
            if path.stem in NO_SIGNAL:
                report.skip("no signal (known defect of the release)", path)
                continue
            yield Utterance(
                path=path,
                native_label=found["emotion"],
                speaker=found["actor"],
                gender=genders.get(found["actor"], "unknown"),
                text=SENTENCES.get(found["sentence"]),
            )
