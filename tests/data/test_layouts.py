"""What users' copies hold beyond the fixtures: files encoded by other tools, links, odd names and folders, both
RAVDESS trees, broken metadata. Every audio file is a row or a counted skip, and errors name the file."""

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.fixtures.corpora import make_esd, make_meld, make_ravdess, write_wav
from whisper_ser.data import load_corpus
from whisper_ser.data.builder import AUDIO_SUFFIXES
from whisper_ser.data.corpora import BUILDERS
from whisper_ser.data.labels import CANONICAL, CORPUS_CLASSES, NATIVE_LABELS, SYNONYMS


def ffmpeg(source: Path, target: Path, *options: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(source), *options, str(target)], check=True)
    return target


def ffprobe_seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout)


def audio_files(root: Path) -> list[Path]:
    """Audio files below `root` as `find -L` lists them (links followed), by another tool than the loader."""
    out = subprocess.run(["find", "-L", str(root), "-type", "f"], check=True, capture_output=True, text=True)
    return [Path(line) for line in out.stdout.splitlines() if Path(line).suffix.lower() in AUDIO_SUFFIXES]


def test_files_once_lost_are_rows_or_counted_skips(tmp_path):
    root = make_ravdess(tmp_path / "copy")  # 24 rows, 3 skips
    source = write_wav(tmp_path / "source.wav", 48000, seed=5, seconds=2.0)
    shutil.copy(source, root / "Actor_01" / "03-01-05-01-01-02-01.WAV")  # upper-case suffix
    mp3 = ffmpeg(source, root / "Actor_02" / "03-01-06-01-01-02-02.mp3", "-b:a", "64k")
    ffmpeg(source, root / "Actor_02" / "extra" / "03-01-06-01-02-02-02.wav")  # a nested folder
    elsewhere = tmp_path / "elsewhere" / "Actor_04"
    for emotion in (3, 4):
        write_wav(elsewhere / f"03-01-0{emotion}-01-01-01-04.wav", 48000, seed=emotion)
    (root / "Actor_04").symlink_to(elsewhere, target_is_directory=True)  # a linked speaker folder
    flac = ffmpeg(source, tmp_path / "whole.flac")
    truncated = root / "Actor_03" / "03-01-07-01-01-02-03.flac"
    truncated.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])  # header intact, data cut

    dataset, report = load_corpus("ravdess", root, cache_dir=tmp_path / "cache", return_report=True)
    ids = set(dataset["id"])
    assert {"ravdess/Actor_01/03-01-05-01-01-02-01", "ravdess/Actor_02/03-01-06-01-01-02-02"} <= ids
    assert {"ravdess/Actor_04/03-01-03-01-01-01-04", "ravdess/Actor_04/03-01-04-01-01-01-04"} <= ids
    assert len(dataset) == 24 + 4
    row = dataset.filter(lambda r: r["id"].endswith("03-01-06-01-01-02-02"))[0]
    assert row["duration"] == pytest.approx(ffprobe_seconds(mp3), abs=0.06)
    assert report["skipped"]["not part of the corpus layout"] == 1
    assert report["examples"]["not part of the corpus layout"][0].startswith("Actor_02/extra/03-01-06-01-02-02-02.wav")
    assert report["skipped"]["unreadable, truncated or empty audio"] == 2  # the fixture's empty file + the FLAC
    assert any(e.startswith("Actor_03/03-01-07-01-01-02-03.flac: ") for e in report["examples"][
        "unreadable, truncated or empty audio"])  # fmt: skip
    assert len(dataset) + sum(report["skipped"].values()) == len(audio_files(root))


def test_a_folder_with_both_ravdess_trees_reads_speech_and_counts_song(tmp_path):
    speech = make_ravdess(tmp_path / "RAVDESS", actors=2)  # Audio_Speech_Actors_01-24/: 16 rows + 3 skips
    for actor in (1, 2):
        for emotion in (1, 3):
            name = f"03-02-0{emotion}-01-01-01-0{actor}.wav"
            write_wav(tmp_path / "RAVDESS" / "Audio_Song_Actors_01-24" / f"Actor_0{actor}" / name, 48000)
    dataset, report = load_corpus("ravdess", tmp_path / "RAVDESS", cache_dir=tmp_path / "c", return_report=True)
    assert len(dataset) == 16 and report["skipped"]["song (RAVDESS speech only)"] == 4 + 1
    assert all(i.startswith("ravdess/Audio_Speech_Actors_01-24/") for i in dataset["id"])
    assert speech.name == "Audio_Speech_Actors_01-24"


def test_a_corpus_whose_files_were_all_skipped_is_an_error_naming_the_folder(tmp_path):
    root = tmp_path / "Audio_Song_Actors_01-24"
    for emotion in (1, 3):
        write_wav(root / "Actor_01" / f"03-02-0{emotion}-01-01-01-01.wav", 48000)
    with pytest.raises(
        ValueError,
        match=r"RAVDESS \(speech\): no file below '.*Audio_Song_Actors_01-24' became a row "
        r"\(2 song \(RAVDESS speech only\) \(e.g. Actor_01/03-02-01.*Expected layout",
    ):
        load_corpus("ravdess", tmp_path, cache_dir=tmp_path / "c")  # fmt: skip


def test_an_unreadable_folder_is_a_counted_skip(tmp_path, monkeypatch):
    root = make_ravdess(tmp_path / "copy")
    blocked, scandir = str(root / "Actor_03"), os.scandir

    def refusing(path="."):
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission denied", blocked)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    dataset, report = load_corpus("ravdess", root, cache_dir=tmp_path / "c", return_report=True)
    assert report["skipped"]["unreadable folder (its files are not counted)"] == 1
    assert report["examples"]["unreadable folder (its files are not counted)"] == ["Actor_03: Permission denied"]
    assert "ravdess/03" not in set(dataset["speaker"])


def test_a_meld_csv_without_its_columns_names_the_file(tmp_path):
    root = make_meld(tmp_path / "meld")
    (root / "dev_sent_emo.csv").write_text("Sr No.,Utterance,Who,Emotion\n1,Hi,Joey,joy\n")
    with pytest.raises(ValueError, match=r"MELD: '.*dev_sent_emo.csv' lacks the columns \['Speaker', 'Dialogue_ID'"):
        load_corpus("meld", root, cache_dir=tmp_path / "c")


def test_emofilm_speaker_spellings_are_one_speaker(tmp_path):
    root = tmp_path / "EmoFilm"
    book = Workbook()
    sheet = book.active
    sheet.title = "male"
    sheet.append(["file", "speaker", "film"])
    legend = [("m_rab003aen", "Robert Duvall"), ("m_tri001aen", "Robert Duvall"), ("m_dis018ben", "Robert  Duval"),
              ("m_gio002aen", "Tom Hanks"), ("m_ans001aen", "Tim Hanks")]  # fmt: skip
    for stem, speaker in legend:
        write_wav(root / "wav_corpus" / f"{stem}.wav", 44100)
        sheet.append([f"{stem}.wav", speaker, "A film"])
    book.save(root / "f_m_corpus_it_es_en_legend.xlsx")
    dataset, report = load_corpus("emofilm", root, cache_dir=tmp_path / "c", return_report=True)
    assert Counter(dataset["speaker"]) == {"emofilm/Robert Duvall": 3, "emofilm/Tom Hanks": 1, "emofilm/Tim Hanks": 1}
    assert report["notes"] == [
        "f_m_corpus_it_es_en_legend.xlsx sheet 'male': speaker 'Robert Duval' merged into 'Robert Duvall'"
    ]


def test_esd_latin1_transcripts_are_read_as_latin1(tmp_path):
    root = make_esd(tmp_path / "esd")
    transcript = root / "0011" / "0011.txt"
    lines = transcript.read_text().splitlines()
    lines[0] = lines[0].replace("The sentence number 1.", "The caf\u00e9 is open.")
    transcript.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    dataset, report = load_corpus("esd", root, cache_dir=tmp_path / "c", return_report=True)
    assert "The caf\u00e9 is open." in dataset["text"]
    assert report["notes"] == ["0011/0011.txt is not UTF-8: read as latin-1"]
    assert sum(text is not None for text in dataset["text"]) == 30


def test_label_tables_agree():
    assert set(NATIVE_LABELS) == set(CORPUS_CLASSES) == set(BUILDERS)
    for corpus, builder in BUILDERS.items():
        assert set(NATIVE_LABELS[corpus].values()) == set(CORPUS_CLASSES[corpus]), corpus
        assert set(CORPUS_CLASSES[corpus]) <= set(CANONICAL)
        assert set(builder.RELEASE_COUNTS) <= set(CORPUS_CLASSES[corpus]), corpus
        assert set(builder.PAPER_COUNTS) <= set(CORPUS_CLASSES[corpus]), corpus
    assert set(SYNONYMS.values()) <= set(CANONICAL) and not set(SYNONYMS) & set(CANONICAL)
