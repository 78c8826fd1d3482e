"""The loaders against replicas of the real releases (public file lists, see tests/fixtures/releases/): the rows
and skips each list implies, the durations its headers give, and every file accounted for."""

import csv
import io
from collections import Counter
from pathlib import Path

import datasets
import pytest

from tests.fixtures.replicas import REPLICA_CORPORA, make_replica, meld_csv, release_list
from whisper_ser.data import load_corpus
from whisper_ser.data.builder import AUDIO_SUFFIXES
from whisper_ser.data.corpora import BUILDERS

# The lists' own label names, read off the EmoBox files, in whisper-ser's canonical vocabulary.
LIST_LABELS = {
    "ravdess": {"Neutral": "neutral", "Calm": "calm", "Happy": "happy", "Sad": "sad", "Angry": "angry",
                "Fearful": "fear", "Disgust": "disgust", "Surprised": "surprised"},
    "savee": {"a": "angry", "d": "disgust", "f": "fear", "h": "happy", "n": "neutral", "sa": "sad", "su": "surprised"},
    "emovdb": {"Amused": "amused", "Sleepy": "sleepy", "Angry": "angry", "Disgust": "disgust", "Neutral": "neutral"},
    "cremad": {"ANG": "angry", "DIS": "disgust", "FEA": "fear", "HAP": "happy", "NEU": "neutral", "SAD": "sad"},
    "meld": {"neutral": "neutral", "joy": "happy", "anger": "angry", "surprise": "surprised", "sadness": "sad",
             "fear": "fear", "disgust": "disgust"},
    "iemocap": {"neu": "neutral", "ang": "angry", "sad": "sad", "hap": "happy", "exc": "excited"},
    "jlcorpus": {e: e for e in ("angry", "sad", "neutral", "happy", "excited", "anxious", "apologetic", "assertive",
                                "concerned", "encouraging")},
    "tess": {"angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy", "neutral": "neutral",
             "ps": "surprised", "sad": "sad"},
    "asvpesd": {"02": "neutral", "03": "happy", "04": "sad", "05": "angry", "06": "fear", "07": "disgust",
                "08": "surprised", "11": "pain"},
}  # fmt: skip
# corpora.md, from the EmoBox lists: English ASVP-ESD files per class, and clips inside 2-13 s.
ASVP_ENGLISH = {"angry": 570, "disgust": 628, "fear": 537, "happy": 666, "neutral": 715, "pain": 555, "surprised": 667}
IN_2_13_S = {"ravdess": 1440, "savee": 467, "emovdb": 6847, "cremad": 6565, "iemocap": 4443, "jlcorpus": 1583,
             "tess": 1582}  # fmt: skip
CREMAD_NO_SIGNAL = {"AudioWAV/1076_MTI_SAD_XX.wav", "AudioWAV/1076_MTI_NEU_XX.wav"}  # the corpus' issue tracker


def meld_speakers() -> dict[str, str]:
    """Clip path -> the `Speaker` of MELD's own CSVs."""
    folders = {"train": "train/train_splits", "dev": "dev_splits_complete", "test": "output_repeated_splits_test"}
    return {
        f"{folders[split]}/dia{row['Dialogue_ID']}_utt{row['Utterance_ID']}.mp4": row["Speaker"]
        for split in folders
        for row in csv.DictReader(io.StringIO(meld_csv(split).decode("utf-8-sig")))
    }


def several_voices(speaker: str) -> bool:
    return speaker in ("All", "Both", "The Guys") or " and " in speaker


def expected_rows(corpus: str) -> dict[str, str]:
    """Path -> canonical emotion of every listed file the loader must keep, by the rules of corpora.md."""
    files = release_list(corpus)
    if corpus == "asvpesd":
        fields = {f.path: f.path.rsplit("/", 1)[1].removesuffix(".wav").split("-") for f in files}
        files = [f for f in files if len(fields[f.path]) >= 9 and fields[f.path][8] == "02"]
    if corpus == "cremad":
        files = [f for f in files if f.path not in CREMAD_NO_SIGNAL]
    if corpus == "meld":
        speakers = meld_speakers()
        files = [f for f in files if not several_voices(speakers[f.path])]
    return {f.path: LIST_LABELS[corpus][f.label] for f in files if f.label in LIST_LABELS[corpus]}


def relative_paths(root, dataset) -> list[str]:
    return [Path(audio["path"]).relative_to(root).as_posix() for audio in dataset["audio"]]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    base = tmp_path_factory.mktemp("releases")
    out = {}
    for corpus in REPLICA_CORPORA:
        root = make_replica(corpus, base / "copies")
        dataset, report = load_corpus(corpus, root, cache_dir=base / "cache", return_report=True)
        out[corpus] = root, dataset.cast_column("audio", datasets.Audio(decode=False)), report
    return out


@pytest.mark.parametrize("corpus", REPLICA_CORPORA)
def test_rows_per_emotion_are_the_release_lists(replicas, corpus):
    root, dataset, report = replicas[corpus]
    expected = expected_rows(corpus)
    rows = dict(zip(relative_paths(root, dataset), dataset["emotion"], strict=True))
    assert rows == expected
    assert Counter(expected.values()) == BUILDERS[corpus].RELEASE_COUNTS
    if corpus == "asvpesd":
        assert {e: n for e, n in BUILDERS[corpus].RELEASE_COUNTS.items() if e != "sad"} == ASVP_ENGLISH


@pytest.mark.parametrize("corpus", REPLICA_CORPORA)
def test_every_file_is_a_row_or_a_counted_skip(replicas, corpus):
    root, dataset, report = replicas[corpus]
    on_disk = [p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES]
    assert len(on_disk) == len(release_list(corpus))
    files_skipped = sum(n for reason, n in report["skipped"].items() if reason != "clip listed in the CSV is missing")
    assert report["kept"] == len(dataset) and len(dataset) + files_skipped == len(on_disk)


@pytest.mark.parametrize("corpus", sorted(set(REPLICA_CORPORA) - {"meld"}))
def test_durations_are_the_headers_frame_counts(replicas, corpus):
    root, dataset, _ = replicas[corpus]
    seconds = {f.path: f.seconds for f in release_list(corpus)}
    got = dict(zip(relative_paths(root, dataset), dataset["duration"], strict=True))
    assert all(got[path] == pytest.approx(seconds[path], rel=1e-6) for path in got)
    if corpus in IN_2_13_S:
        silent_in_range = 2 if corpus == "cremad" else 0  # both no-signal files last 2.4-2.6 s
        assert sum(2 <= d <= 13 for d in dataset["duration"]) == IN_2_13_S[corpus] - silent_in_range


def test_skips_of_the_real_lists(replicas):
    skipped = {corpus: replicas[corpus][2]["skipped"] for corpus in REPLICA_CORPORA}
    assert skipped["emovdb"] == {} and skipped["ravdess"] == {} and skipped["tess"] == {}
    assert skipped["cremad"] == {"no signal (known defect of the release)": 2}
    # MELD's CSVs list 13,708 utterances, the release 13,706 clips; 68 clips name several voices (66 + 'The Guys')
    assert skipped["meld"] == {"several speakers in one clip": 68, "clip listed in the CSV is missing": 2}
    assert skipped["iemocap"] == {}
    asvp = skipped["asvpesd"]
    eight_fields = sum(len(f.path.rsplit("/", 1)[1].split("-")) == 8 for f in release_list("asvpesd"))
    assert asvp["no language field (8-field name)"] == eight_fields == 99  # corpora.md says 93; the list has 99
    assert sum(asvp.values()) == 13964 - sum(ASVP_ENGLISH.values()) - BUILDERS["asvpesd"].RELEASE_COUNTS["sad"]


def test_meld_speakers_are_single_voices_of_the_csv(replicas):
    _, dataset, _ = replicas["meld"]
    speakers = Counter(dataset["speaker"])
    assert not any(several_voices(s.split("/", 1)[1]) for s in speakers)
    kept = expected_rows("meld")
    assert speakers["meld/Joey"] == sum(
        1 for path, s in meld_speakers().items() if s in ("Joey", "Joey/Drake") and path in kept
    )
    assert "meld/Joey/Drake" not in speakers


def test_emovdb_keeps_the_release_spellings_and_sams_disgust(replicas):
    _, dataset, _ = replicas["emovdb"]
    by_speaker = Counter((s, e) for s, e in zip(dataset["speaker"], dataset["emotion"], strict=True))
    assert (by_speaker["emovdb/bea", "disgust"], by_speaker["emovdb/jenie", "disgust"]) == (333, 189)  # 522: paper
    assert by_speaker["emovdb/sam", "disgust"] == 497
    assert BUILDERS["emovdb"].PAPER_COUNTS["disgust"] == 333 + 189
