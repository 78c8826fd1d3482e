"""The 11 loaders on fixture copies in each corpus' native layout."""

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.fixtures.corpora import MAKERS, make_emovdb, make_esd, make_meld, make_ravdess, make_savee
from whisper_ser.data import CORPORA, FEATURES, corpus_builder, load_corpus

EXPECTED = {
    "ravdess": (
        {e: 3 for e in ("neutral", "calm", "happy", "sad", "angry", "fear", "disgust", "surprised")},
        {"ravdess/01": 8, "ravdess/02": 8, "ravdess/03": 8},
        {"song (RAVDESS speech only)": 1, "file name outside the corpus' grammar": 1,
         "unreadable, truncated or empty audio": 1},
    ),
    "cremad": (
        {e: 2 for e in ("angry", "disgust", "fear", "happy", "neutral", "sad")},
        {"cremad/1001": 6, "cremad/1002": 6},
        {"unreadable, truncated or empty audio": 1},
    ),
    "tess": (
        {e: 4 for e in ("angry", "disgust", "fear", "happy", "neutral", "surprised", "sad")},
        {"tess/OAF": 14, "tess/YAF": 14},
        {"duplicate file name (copied tree)": 1},
    ),
    "savee": (
        {"angry": 2, "disgust": 2, "fear": 2, "happy": 2, "neutral": 4, "sad": 2, "surprised": 2},
        {"savee/DC": 8, "savee/JE": 8},
        {"file name outside the corpus' grammar": 1},
    ),
    "jlcorpus": (
        {e: 2 for e in ("angry", "sad", "neutral", "happy", "excited", "anxious")},
        {"jlcorpus/female1": 6, "jlcorpus/male2": 6},
        {"outside the folder read (a checked subset of the same recordings)": 1},
    ),
    "esd": (
        {e: 6 for e in ("angry", "happy", "neutral", "sad", "surprised")},
        {"esd/0011": 15, "esd/0015": 15},
        {"Mandarin speaker (English part only)": 15},
    ),
    "iemocap": (
        {"neutral": 2, "excited": 1, "angry": 1, "sad": 1, "happy": 1, "surprised": 1, "frustrated": 1},
        {"iemocap/Ses01F": 2, "iemocap/Ses01M": 2, "iemocap/Ses02F": 2, "iemocap/Ses02M": 2},
        {"no annotator agreement (xxx)": 1, "label not among the corpus' classes": 1,
         "no label in EmoEvaluation": 1},
    ),
    "meld": (
        {"neutral": 2, "happy": 2, "angry": 1, "surprised": 1, "sad": 1, "fear": 1, "disgust": 1},
        {"meld/Chandler": 2, "meld/Monica": 1, "meld/Ross": 1, "meld/Mr. Heckles": 1, "meld/Rachel": 2,
         "meld/Phoebe": 1, "meld/Joey": 1},
        {"clip listed in the CSV is missing": 1},
    ),
    "emovdb": (
        {"amused": 8, "angry": 6, "disgust": 6, "neutral": 8, "sleepy": 8},
        {"emovdb/bea": 10, "emovdb/jenie": 10, "emovdb/josh": 6, "emovdb/sam": 10},
        {},
    ),
    "asvpesd": (
        {"angry": 1, "sad": 1, "neutral": 1, "pain": 1, "fear": 1, "surprised": 1, "disgust": 1},
        {"asvpesd/36": 3, "asvpesd/101": 2, "asvpesd/150": 2},
        {"not English (language field != 02)": 1, "label not among the corpus' classes": 2,
         "no language field (8-field name)": 1},
    ),
    "emofilm": (
        {"sad": 1, "happy": 1, "fear": 1, "contempt": 1, "angry": 1},
        {"emofilm/Julianne Moore": 1, "emofilm/Meryl Streep": 1, "emofilm/unknown": 1, "emofilm/Tom Hanks": 2},
        {"not English": 2},
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every corpus generated and loaded once; data_dir is the folder above the corpus (markers are searched)."""
    out = {}
    for name in CORPORA:
        base = tmp_path_factory.mktemp(name)
        MAKERS[name](base / "downloads")
        out[name] = load_corpus(name, base, cache_dir=base / "cache", return_report=True)
    return out


def test_every_corpus_has_a_fixture_and_expectations():
    assert set(CORPORA) == set(MAKERS) == set(EXPECTED) and len(CORPORA) == 11


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_per_emotion_and_speaker_and_skips(loaded, name):
    dataset, report = loaded[name]
    emotions, speakers, skips = EXPECTED[name]
    assert dataset.features == FEATURES
    assert Counter(dataset["emotion"]) == emotions
    assert Counter(dataset["speaker"]) == speakers
    assert report["skipped"] == skips
    assert report["kept"] == len(dataset)
    assert set(dataset["corpus"]) == {name} and set(dataset["language"]) == {"en"}
    assert len(set(dataset["id"])) == len(dataset)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_audio_decodes_to_16k_mono_and_duration_comes_from_the_header(loaded, name):
    dataset, _ = loaded[name]
    example = dataset[0]
    samples = example["audio"].get_all_samples()
    assert samples.sample_rate == 16000 and samples.data.shape[0] == 1
    assert samples.data.shape[1] == pytest.approx(example["duration"] * 16000, abs=0.03 * 16000)
    assert example["duration"] == pytest.approx(0.5, abs=0.03)


def test_metadata_fields(loaded):
    ravdess, _ = loaded["ravdess"]
    genders = dict(zip(ravdess["speaker"], ravdess["gender"], strict=True))
    assert genders == {"ravdess/01": "male", "ravdess/02": "female", "ravdess/03": "male"}
    assert set(ravdess["text"]) == {"Kids are talking by the door."}
    cremad, _ = loaded["cremad"]
    assert dict(zip(cremad["speaker"], cremad["gender"], strict=True)) == {
        "cremad/1001": "male",
        "cremad/1002": "female",
    }
    esd, _ = loaded["esd"]
    assert Counter(esd["corpus_split"]) == {"train": 10, "evaluation": 10, "test": 10}
    assert dict(zip(esd["speaker"], esd["gender"], strict=True)) == {"esd/0011": "male", "esd/0015": "female"}
    assert all(text.startswith("The sentence number") for text in esd["text"])
    meld, _ = loaded["meld"]
    assert Counter(meld["corpus_split"]) == {"train": 5, "dev": 2, "test": 2}
    assert "Oh, that\u2019s great!" in meld["text"]
    iemocap, _ = loaded["iemocap"]
    row = iemocap.filter(lambda r: r["id"].endswith("Ses01F_impro01_F001"))[0]
    assert (row["native_label"], row["emotion"], row["gender"]) == ("exc", "excited", "female")
    assert row["text"] == "Line 1 of Ses01F_impro01."
    jl, _ = loaded["jlcorpus"]
    assert set(jl["gender"]) == {"female", "male"} and "sentence number 1" in jl["text"]


def test_release_variants(tmp_path):
    sorted_tree = load_corpus("emovdb", make_emovdb(tmp_path / "a", sorted_tree=True), cache_dir=tmp_path / "c1")
    assert Counter(sorted_tree["emotion"]) == EXPECTED["emovdb"][0]
    flat = load_corpus("savee", make_savee(tmp_path / "b", flat=True), cache_dir=tmp_path / "c2")
    assert Counter(flat["speaker"]) == {"savee/DC": 8, "savee/JE": 8}
    no_splits = load_corpus("esd", make_esd(tmp_path / "d", with_splits=False), cache_dir=tmp_path / "c3")
    assert len(no_splits) == 30 and set(no_splits["corpus_split"]) == {None}


def test_meld_folder_variants(tmp_path):
    root = make_meld(tmp_path / "meld")
    (root / "train" / "train_splits").rename(root / "train_splits")
    (root / "dev_splits_complete").rename(tmp_path / "moved")
    (root / "dev").mkdir()
    (tmp_path / "moved").rename(root / "dev" / "dev_splits_complete")
    assert len(load_corpus("meld", root, cache_dir=tmp_path / "cache")) == 9


def test_second_load_comes_from_the_arrow_cache_until_the_copy_changes(tmp_path):
    root = make_ravdess(tmp_path / "corpus")
    first = load_corpus("ravdess", root, cache_dir=tmp_path / "cache")
    arrow = Path(first.cache_files[0]["filename"])
    written = arrow.stat().st_mtime_ns
    second = load_corpus("ravdess", tmp_path / "corpus", cache_dir=tmp_path / "cache")  # found from above
    assert second.cache_files[0]["filename"] == str(arrow) and arrow.stat().st_mtime_ns == written
    assert len(second) == 24
    shutil.copy(root / "Actor_01" / "03-01-01-01-01-01-01.wav", root / "Actor_01" / "03-01-01-01-01-02-01.wav")
    third = load_corpus("ravdess", root, cache_dir=tmp_path / "cache")
    assert len(third) == 25 and third.cache_files[0]["filename"] != str(arrow)


def test_missing_folder_and_wrong_layout_name_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"RAVDESS \(speech\): data_dir '.*nowhere' is not a folder"):
        load_corpus("ravdess", tmp_path / "nowhere")
    (tmp_path / "empty" / "a" / "b").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"found none of \['AudioWAV'\].*Expected layout: CREMA-D/AudioWAV"):
        load_corpus("cremad", tmp_path / "empty")
    root = make_meld(tmp_path / "meld")
    (root / "output_repeated_splits_test").rename(tmp_path / "elsewhere")
    with pytest.raises(
        FileNotFoundError,
        match=r"MELD: missing '.*test/output_repeated_splits_test' or '.*MELD.Raw/output_repeated_splits_test'",
    ):
        load_corpus("meld", root, cache_dir=tmp_path / "c")
    jl = tmp_path / "jl" / "Raw JL corpus (unchecked and unannotated)"
    jl.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"JL-Corpus: missing '.*JL\(wav\+txt\)'"):
        load_corpus("jlcorpus", tmp_path / "jl", cache_dir=tmp_path / "c2")
    with pytest.raises(ValueError, match="Unknown corpus 'savee2'"):
        corpus_builder("savee2", tmp_path)


def test_builder_api_directly(tmp_path):
    builder = corpus_builder("ravdess", make_ravdess(tmp_path / "r"), cache_dir=tmp_path / "cache")
    builder.download_and_prepare()
    assert builder.as_dataset(split="train").num_rows == 24
    assert builder.skip_report["examples"]["song (RAVDESS speech only)"] == ["Actor_01/03-02-03-01-01-01-01.wav"]
    assert builder.info.license == "CC BY-NC-SA 4.0"
