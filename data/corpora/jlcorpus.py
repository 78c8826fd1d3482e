"""JL-Corpus (James et al., 2018): `Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/`, a transcript
`.txt` beside each `{speaker}_{emotion}_{sentence}{a|b}_{take}.wav`. Only that folder is read: the release's other
folders hold checked subsets of the same recordings (counted skips)."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

FOLDER = "Raw JL corpus (unchecked and unannotated)/JL(wav+txt)"
EMOTIONS = ("angry", "sad", "neutral", "happy", "excited", "anxious", "apologetic", "assertive", "concerned",
            "encouraging")  # fmt: skip


class JLCorpus(SERCorpusBuilder):
    CORPUS = "jlcorpus"
    TITLE = "JL-Corpus"
    HOMEPAGE = "https://www.kaggle.com/datasets/tli725/jl-corpus"
    LICENSE = "CC0-1.0"
    REDISTRIBUTABLE = True
    CITATION = "James, Tian & Watson (2018), Interspeech."
    MARKERS = ("Raw JL corpus (unchecked and unannotated)",)
    REQUIRED = ((FOLDER,),)
    LAYOUT = f"{FOLDER}/female1_angry_1a_1.wav (+ .txt transcripts)"
    PATTERN = re.compile(
        r"(?P<speaker>female1|female2|male1|male2)_(?P<emotion>[a-z]+)_(?P<sentence>\d+)(?P<version>[ab])"
        r"_(?P<take>\d+)"
    )
    RELEASE_COUNTS = {emotion: 240 for emotion in EMOTIONS}
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/jlcorpus/jlcorpus.jsonl)"
    PAPER_COUNTS = {emotion: 240 for emotion in EMOTIONS}

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        for path in files:
            if path.parent != root / FOLDER:
                report.skip("outside the folder read (a checked subset of the same recordings)", path)
                continue
            if not (found := self.match(path, report)):
                continue
            transcript = path.with_suffix(".txt")
            yield Utterance(
                path=path,
                native_label=found["emotion"],
                speaker=found["speaker"],
                gender=found["speaker"].rstrip("12"),
                text=transcript.read_text(encoding="utf-8", errors="replace").strip()
                if transcript.is_file()
                else None,
            )
