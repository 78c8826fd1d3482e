"""RAVDESS, speech part (Livingstone & Russo, 2018): `Actor_NN/MM-VV-EE-II-SS-RR-AA.wav`, 48 kHz (FLAC copies
are read too; the bundled demo corpus uses this layout). A folder holding both the Speech and the Song release
is read whole: song files are counted skips."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

STATEMENTS = {"01": "Kids are talking by the door.", "02": "Dogs are sitting by the door."}
ACTOR_FOLDER = re.compile(r"Actor_\d{2}")


class Ravdess(SERCorpusBuilder):
    CORPUS = "ravdess"
    TITLE = "RAVDESS (speech)"
    HOMEPAGE = "https://zenodo.org/records/1188976"
    LICENSE = "CC BY-NC-SA 4.0"
    REDISTRIBUTABLE = True
    CITATION = "Livingstone & Russo (2018), PLoS ONE 13(5): e0196391."
    MARKERS = ("Actor_[0-9][0-9]",)
    LAYOUT = "Audio_Speech_Actors_01-24/Actor_01 … Actor_24/03-01-05-01-02-01-12.wav"
    PATTERN = re.compile(
        r"(?P<modality>\d{2})-(?P<channel>\d{2})-(?P<emotion>\d{2})-(?P<intensity>\d{2})-(?P<statement>\d{2})"
        r"-(?P<repetition>\d{2})-(?P<actor>\d{2})"
    )
    RELEASE_COUNTS = {"neutral": 96, "calm": 192, "happy": 192, "sad": 192, "angry": 192, "fear": 192,
                      "disgust": 192, "surprised": 192}  # fmt: skip
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/ravdess/ravdess.jsonl)"
    PAPER_COUNTS = {"angry": 192, "disgust": 184, "fear": 192, "happy": 192, "neutral": 96, "sad": 192,
                    "surprised": 192, "calm": 192}  # fmt: skip

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        for path in files:
            if not ACTOR_FOLDER.fullmatch(path.parent.name) or not (found := self.match(path, report)):
                continue
            if found["channel"] == "02":
                report.skip("song (RAVDESS speech only)", path)
                continue
            yield Utterance(
                path=path,
                native_label=found["emotion"],
                speaker=found["actor"],
                gender="male" if int(found["actor"]) % 2 else "female",
                text=STATEMENTS.get(found["statement"]),
            )
