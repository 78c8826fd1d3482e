"""EmoFilm (Parada-Cabaleiro et al., 2018): `wav_corpus/{g}_{emo}{NNN}{v}{ll}.wav` (English `en` kept), speakers
from the legend `f_m_corpus_it_es_en_legend.xlsx` (sheets `female`, `male`; columns file, speaker, film).

The legend spells some actors two ways ("Robert Duval" / "Robert Duvall"): names of one sheet that differ only in
case, accents, punctuation or a letter or two (similarity >= `SAME_NAME`) are one speaker, under the spelling used
most; each merge is a note in the skip report."""

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import RULE_UTTERANCE_SHARE, SERCorpusBuilder, SkipReport, Utterance, logger

LEGEND = "f_m_corpus_it_es_en_legend.xlsx"
SAME_NAME = 0.9


def _normal(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^\w\s]", " ", ascii_name).casefold().split())


def merge_spellings(counts: Counter[str]) -> dict[str, str]:
    """Each spelling -> the spelling of its speaker (the most used of those it is merged with)."""
    ranked = sorted(counts, key=lambda name: (-counts[name], name))
    chosen: dict[str, str] = {}
    for name in ranked:
        target = next(
            (
                kept
                for kept in dict.fromkeys(chosen.values())
                if difflib.SequenceMatcher(None, _normal(name), _normal(kept)).ratio() >= SAME_NAME
            ),
            name,
        )
        chosen[name] = target
    return chosen


class EmoFilm(SERCorpusBuilder):
    CORPUS = "emofilm"
    TITLE = "EmoFilm"
    HOMEPAGE = "https://zenodo.org/records/1326428"
    LICENSE = "research use (Zenodo, by request)"
    REDISTRIBUTABLE = False
    CITATION = "Parada-Cabaleiro, Costantini, Batliner, Baird & Schuller (2018), Interspeech."
    MARKERS = ("wav_corpus",)
    LAYOUT = f"EmoFilm/wav_corpus/f_tri004aes.wav and EmoFilm/{LEGEND}"
    PATTERN = re.compile(
        r"(?P<gender>[fm])_(?P<emotion>[a-z]{3})(?P<number>\d{3})(?P<variant>[a-z])(?P<language>[a-z]{2})"
    )
    TEST_RULE = RULE_UTTERANCE_SHARE
    TEST_SHARE = 0.15
    PAPER_COUNTS = {"angry": 77, "fear": 72, "happy": 70, "sad": 74, "contempt": 50}

    def _speakers(self, root: Path, report: SkipReport) -> dict[str, str]:
        legend = root / LEGEND
        if not legend.is_file():
            logger.warning(f"{self.TITLE}: no '{legend}'; every speaker is 'unknown'.")
            return {}
        from openpyxl import load_workbook

        speakers = {}
        for sheet in load_workbook(legend, read_only=True, data_only=True).worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [str(cell).strip().lower() if cell is not None else "" for cell in next(rows, ())]
            if "file" not in header or "speaker" not in header:
                raise ValueError(
                    f"{self.TITLE}: '{legend}' sheet {sheet.title!r} has no 'file'/'speaker' columns; "
                    f"its header is {header}."
                )
            file_col, speaker_col = header.index("file"), header.index("speaker")
            names = {
                Path(str(row[file_col]).strip()).stem: " ".join(str(row[speaker_col]).split())
                for row in rows
                if row[file_col] and row[speaker_col]
            }
            spelling = merge_spellings(Counter(names.values()))
            for name, target in sorted(spelling.items()):
                if name != target:
                    report.notes.append(f"{LEGEND} sheet {sheet.title!r}: speaker {name!r} merged into {target!r}")
            speakers |= {stem: spelling[name] for stem, name in names.items()}
        return speakers

    def _utterances(self, root: Path, files: list[Path], report: SkipReport) -> Iterator[Utterance]:
        speakers = self._speakers(root, report)
        for path in files:
            if path.parent != root / "wav_corpus" or not (found := self.match(path, report)):
                continue
            if found["language"] != "en":
                report.skip("not English", path, found["language"])
                continue
            yield Utterance(
                path=path,
                native_label=found["emotion"],
                speaker=speakers.get(path.stem, "unknown"),
                gender="female" if found["gender"] == "f" else "male",
            )
