"""MELD (Poria et al., 2019): `{train,dev,test}_sent_emo.csv` and the clips `dia{D}_utt{U}.mp4` of each split,
under either of the folder names seen in the wild. The audio is the clip's AAC track (48 kHz stereo).

Speakers: `Joey/Drake` (a character playing a role) is Joey's voice. An utterance whose label names several
voices (`All`, `Both`, `The Guys`, `Ross and Rachel`, …) is a counted skip: its voices cannot be told apart, and
keeping it would put a held-out speaker's voice into training."""

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import RULE_MOST_SPEECH, SERCorpusBuilder, SkipReport, Utterance

CLIP_FOLDERS = {
    "train": ("train/train_splits", "train_splits"),
    "dev": ("dev/dev_splits_complete", "dev_splits_complete"),
    "test": ("test/output_repeated_splits_test", "output_repeated_splits_test"),
}
COLUMNS = ("Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID")
GENDERS = {
    "Chandler": "male",
    "Joey": "male",
    "Ross": "male",
    "Monica": "female",
    "Rachel": "female",
    "Phoebe": "female",
}  # the six main characters; others are 'unknown'
GROUPS = frozenset({"All", "Both", "The Guys", "Everyone"})
SEVERAL = re.compile(r".+ (?:and|&) .+|.+, .+")


def speaker_voice(label: str) -> str | None:
    """The one voice a `Speaker` label names, or None when it names several."""
    label = label.strip()
    if label in GROUPS or SEVERAL.fullmatch(label):
        return None
    return label.split("/", 1)[0].strip()


class Meld(SERCorpusBuilder):
    CORPUS = "meld"
    TITLE = "MELD"
    HOMEPAGE = "https://affective-meld.github.io/"
    LICENSE = "GPL-3.0"
    REDISTRIBUTABLE = True
    CITATION = "Poria et al. (2019), ACL."
    MARKERS = ("train_sent_emo.csv",)
    REQUIRED = tuple((f"{split}_sent_emo.csv",) for split in CLIP_FOLDERS) + tuple(CLIP_FOLDERS.values())
    LAYOUT = (
        "MELD.Raw/{train,dev,test}_sent_emo.csv with train/train_splits/, dev/dev_splits_complete/, "
        "test/output_repeated_splits_test/ (or those folders at the top); extract the inner .tar.gz files"
    )
    TEST_RULE = RULE_MOST_SPEECH
    RELEASE_COUNTS = {"neutral": 6409, "happy": 2289, "angry": 1604, "surprised": 1624, "sad": 1000, "fear": 358,
                      "disgust": 354}  # fmt: skip
    RELEASE_SOURCE = (
        "EmoBox file list (emo-box/EmoBox data/meld/meld.jsonl) with the CSVs of declare-lab/MELD, "
        "less the 68 clips of several speakers"
    )
    PAPER_COUNTS = {"neutral": 6432, "happy": 2307, "angry": 1607, "surprised": 1403, "sad": 1002, "fear": 358,
                    "disgust": 301}  # fmt: skip

    def _rows(self, csv_path: Path) -> list[dict[str, str]]:
        raw = csv_path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # some releases carry Windows-1252 quotes
        reader = csv.DictReader(io.StringIO(text))
        missing = [column for column in COLUMNS if column not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(
                f"{self.TITLE}: '{csv_path}' lacks the columns {missing}; expected MELD's header with {list(COLUMNS)}."
            )
        return list(reader)

    def _check_metadata(self, root: Path) -> None:
        for split in CLIP_FOLDERS:
            self._rows(root / f"{split}_sent_emo.csv")

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        for split in CLIP_FOLDERS:
            folder = next(root / name for name in CLIP_FOLDERS[split] if (root / name).is_dir())
            for row in self._rows(root / f"{split}_sent_emo.csv"):
                clip = folder / f"dia{row['Dialogue_ID'].strip()}_utt{row['Utterance_ID'].strip()}.mp4"
                if not clip.is_file():
                    report.skip("clip listed in the CSV is missing", clip)
                    continue
                speaker = speaker_voice(row["Speaker"])
                if speaker is None:
                    report.skip("several speakers in one clip", clip, row["Speaker"].strip())
                    continue
                yield Utterance(
                    path=clip,
                    native_label=row["Emotion"].strip().lower(),
                    speaker=speaker,
                    gender=GENDERS.get(speaker, "unknown"),
                    text=row["Utterance"],
                    corpus_split=split,
                )
