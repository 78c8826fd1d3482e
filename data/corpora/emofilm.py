"""EmoFilm (Parada-Cabaleiro et al., 2018): `wav_corpus/{g}_{emo}{NNN}{v}{ll}.wav` (English `en` kept), speakers
from the legend `f_m_corpus_it_es_en_legend.xlsx` (sheets `female`, `male`; columns file, speaker, film)."""

import re
from collections.abc import Iterator
from pathlib import Path

from whisper_ser.data.builder import SERCorpusBuilder, SkipReport, Utterance, logger

LEGEND = "f_m_corpus_it_es_en_legend.xlsx"


class EmoFilm(SERCorpusBuilder):
    CORPUS = "emofilm"
    TITLE = "EmoFilm"
    HOMEPAGE = "https://zenodo.org/records/1326428"
    LICENSE = "research use (Zenodo, by request)"
    CITATION = "Parada-Cabaleiro, Costantini, Batliner, Baird & Schuller (2018), Interspeech."
    MARKERS = ("wav_corpus",)
    LAYOUT = f"EmoFilm/wav_corpus/f_tri004aes.wav and EmoFilm/{LEGEND}"
    PATTERN = re.compile(
        r"(?P<gender>[fm])_(?P<emotion>[a-z]{3})(?P<number>\d{3})(?P<variant>[a-z])(?P<language>[a-z]{2})\.wav"
    )

    def _speakers(self, root: Path) -> dict[str, str]:
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
                raise ValueError(f"{self.TITLE}: '{legend}' sheet {sheet.title!r} has no 'file'/'speaker' columns.")
            file_col, speaker_col = header.index("file"), header.index("speaker")
            for row in rows:
                if row[file_col] and row[speaker_col]:
                    speakers[Path(str(row[file_col]).strip()).stem] = str(row[speaker_col]).strip()
        return speakers

    def _utterances(self, root: Path, report: SkipReport) -> Iterator[Utterance]:
        speakers = self._speakers(root)
        for path in sorted((root / "wav_corpus").glob("*.wav")):
            if not (found := self.match(path, report, root)):
                continue
            if found["language"] != "en":
                report.skip("not English", path.relative_to(root).as_posix(), found["language"])
                continue
            yield Utterance(
                path=path,
                native_label=found["emotion"],
                speaker=speakers.get(path.stem, "unknown"),
                gender="female" if found["gender"] == "f" else "male",
            )
