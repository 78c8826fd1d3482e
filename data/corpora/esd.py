"""ESD (Zhou et al., 2021), English speakers 0011-0020:
`{spk}/{Emotion}/{train,evaluation,test}/{spk}_{nnnnnn}.wav`, or without the split level; transcripts in a
tab-separated `{spk}/*.txt` (utterance id, text, emotion). The emotion folder is the label."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance

ENGLISH = {f"{i:04d}" for i in range(11, 21)}
MALE = {"0011", "0012", "0013", "0014", "0020"}  # from the release's README
SPLITS = ("train", "evaluation", "test")


class ESD(SERCorpusBuilder):
    CORPUS = "esd"
    TITLE = "ESD (English part)"
    HOMEPAGE = "https://hltsingapore.github.io/ESD/"
    LICENSE = "research use only, no redistribution"
    CITATION = "Zhou, Sisman, Liu & Li (2021), ICASSP; Speech Communication (2022)."
    MARKERS = ("00[0-2][0-9]/Neutral",)
    LAYOUT = "Emotional Speech Dataset (ESD)/0011/Angry/train/0011_000351.wav and 0011/0011.txt"
    PATTERN = re.compile(r"(?P<speaker>\d{4})_(?P<number>\d{6})\.wav")

    @staticmethod
    def _transcripts(speaker_dir: Path) -> dict[str, str]:
        texts = {}
        for transcript in sorted(speaker_dir.glob("*.txt")):
            raw = transcript.read_bytes()
            for encoding in ("utf-8-sig", "utf-16", "gb18030"):
                try:
                    lines = raw.decode(encoding).splitlines()
                    break
                except UnicodeDecodeError:
                    continue
            else:
                continue
            for line in lines:
                fields = line.split("\t")
                if len(fields) >= 2:
                    texts[fields[0].strip()] = fields[1].strip()
        return texts

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        for speaker_dir in sorted(p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)):
            files = sorted(speaker_dir.glob("*/*.wav")) + sorted(speaker_dir.glob("*/*/*.wav"))
            if speaker_dir.name not in ENGLISH:
                for path in files:
                    report.skip("Mandarin speaker (English part only)", path.relative_to(root).as_posix())
                continue
            texts = self._transcripts(speaker_dir)
            for path in files:
                if not self.match(path, report, root):
                    continue
                relative = path.relative_to(speaker_dir).parts
                split = relative[1] if len(relative) == 3 else None
                if split is not None and split not in SPLITS:
                    report.skip("unknown split folder", path.relative_to(root).as_posix(), split)
                    continue
                yield Utterance(
                    path=path,
                    native_label=relative[0],
                    speaker=speaker_dir.name,
                    gender="male" if speaker_dir.name in MALE else "female",
                    text=texts.get(path.stem),
                    corpus_split=split,
                )
