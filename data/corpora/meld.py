"""MELD (Poria et al., 2019): `{train,dev,test}_sent_emo.csv` and the clips `dia{D}_utt{U}.mp4` of each split,
under either of the folder names seen in the wild. The audio is the clip's AAC track (48 kHz stereo)."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

CLIP_FOLDERS = {
    "train": ("train/train_splits", "train_splits"),
    "dev": ("dev/dev_splits_complete", "dev_splits_complete"),
    "test": ("test/output_repeated_splits_test", "output_repeated_splits_test"),
}
GENDERS = {
    "Chandler": "male",
    "Joey": "male",
    "Ross": "male",
    "Monica": "female",
    "Rachel": "female",
    "Phoebe": "female",
}  # the six main characters; others are 'unknown'


class Meld(SERCorpusBuilder):
    CORPUS = "meld"
    TITLE = "MELD"
    HOMEPAGE = "https://affective-meld.github.io/"
    LICENSE = "GPL-3.0"
    CITATION = "Poria et al. (2019), ACL."
    MARKERS = ("train_sent_emo.csv",)
    REQUIRED = tuple((f"{split}_sent_emo.csv",) for split in CLIP_FOLDERS) + tuple(CLIP_FOLDERS.values())
    LAYOUT = (
        "MELD.Raw/{train,dev,test}_sent_emo.csv with train/train_splits/, dev/dev_splits_complete/, "
        "test/output_repeated_splits_test/ (or those folders at the top); extract the inner .tar.gz files"
    )

    def _rows(self, csv_path: Path) -> list[dict[str, str]]:
        raw = csv_path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # some releases carry Windows-1252 quotes
        return list(csv.DictReader(io.StringIO(text)))

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        for split in CLIP_FOLDERS:
            folder = next(root / name for name in CLIP_FOLDERS[split] if (root / name).is_dir())
            for row in self._rows(root / f"{split}_sent_emo.csv"):
                clip = folder / f"dia{row['Dialogue_ID'].strip()}_utt{row['Utterance_ID'].strip()}.mp4"
                if not clip.is_file():
                    report.skip("clip listed in the CSV is missing", clip.relative_to(root).as_posix())
                    continue
                speaker = row["Speaker"].strip()
                yield Utterance(
                    path=clip,
                    native_label=row["Emotion"].strip().lower(),
                    speaker=speaker,
                    gender=GENDERS.get(speaker, "unknown"),
                    text=row["Utterance"],
                    corpus_split=split,
                )
