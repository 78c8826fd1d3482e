"""IEMOCAP (Busso et al., 2008): `Session{n}/sentences/wav/{dialog}/{utt}.wav`, labels in
`Session{n}/dialog/EmoEvaluation/{dialog}.txt`, transcripts in `Session{n}/dialog/transcriptions/`."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import RULE_MOST_SPEECH, SERCorpusBuilder, SkipReport, Utterance

LABEL_LINE = re.compile(r"\[(?P<start>[\d.]+) - (?P<end>[\d.]+)\]\t(?P<utt>Ses\w+)\t(?P<label>\w+)\t\[")
TRANSCRIPT_LINE = re.compile(r"(?P<utt>Ses\w+) \[[\d.]+-[\d.]+\]: (?P<text>.*)")
SESSION = re.compile(r"Session[1-5]")


class Iemocap(SERCorpusBuilder):
    CORPUS = "iemocap"
    TITLE = "IEMOCAP"
    HOMEPAGE = "https://sail.usc.edu/iemocap/"
    LICENSE = "by request from USC SAIL, no redistribution"
    REDISTRIBUTABLE = False
    CITATION = "Busso et al. (2008), Language Resources and Evaluation 42(4)."
    MARKERS = ("Session[1-5]/sentences",)
    REQUIRED = (("Session[1-5]/dialog/EmoEvaluation",), ("Session[1-5]/sentences/wav",))
    LAYOUT = (
        "IEMOCAP_full_release/Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav and "
        "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt"
    )
    PATTERN = re.compile(r"Ses(?P<session>\d{2})[FM]_\w+_(?P<gender>[FM])\d{3}")
    TEST_RULE = RULE_MOST_SPEECH
    RELEASE_COUNTS = {"neutral": 1708, "angry": 1103, "happy": 595, "excited": 1041, "sad": 1084}
    RELEASE_SOURCE = "EmoBox file list (emo-box/EmoBox data/iemocap/iemocap.jsonl: these 5 classes only)"
    PAPER_COUNTS = {"angry": 1103, "excited": 1041, "frustrated": 1849, "happy": 595, "neutral": 1708, "sad": 1084,
                    "surprised": 107}  # fmt: skip

    @staticmethod
    def _read_lines(folder: Path) -> Iterator[str]:
        for path in sorted(folder.glob("*.txt")):
            if not path.name.startswith("._"):  # macOS resource forks in some copies
                yield from path.read_text(encoding="utf-8", errors="replace").splitlines()

    def _session(self, session: Path) -> tuple[dict[str, str], dict[str, str]]:
        labels = {
            m["utt"]: m["label"]
            for line in self._read_lines(session / "dialog" / "EmoEvaluation")
            if (m := LABEL_LINE.match(line))
        }
        texts = {
            m["utt"]: m["text"].strip()
            for line in self._read_lines(session / "dialog" / "transcriptions")
            if (m := TRANSCRIPT_LINE.match(line))
        }
        return labels, texts

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        sessions: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        for path in files:
            parts = path.relative_to(root).parts
            if len(parts) != 5 or not SESSION.fullmatch(parts[0]) or parts[1:3] != ("sentences", "wav"):
                continue
            if not (found := self.match(path, report)):
                continue
            if parts[0] not in sessions:
                sessions[parts[0]] = self._session(root / parts[0])
            labels, texts = sessions[parts[0]]
            label = labels.get(path.stem)
            if label is None:
                report.skip("no label in EmoEvaluation", path)
                continue
            if label == "xxx":
                report.skip("no annotator agreement (xxx)", path)
                continue
            yield Utterance(
                path=path,
                native_label=label,
                speaker=f"Ses{found['session']}{found['gender']}",
                gender="female" if found["gender"] == "F" else "male",
                text=texts.get(path.stem),
            )
