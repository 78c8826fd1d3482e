"""A user's own corpus (metadata CSV/JSONL) through the loader, the label views and the combine step."""

import json
from collections import Counter

import pytest

from tests.fixtures.corpora import make_ravdess, write_wav
from whisper_ser.data import load_corpus
from whisper_ser.data.combine import combine_corpora
from whisper_ser.data.protocol import Metadata, make_splits

ROWS = [  # path, emotion as the user wrote it, speaker
    ("clips/a/one.wav", "Anger", "a"), ("clips/a/two.wav", "joy", "a"), ("clips/a/three.wav", "neutral", "a"),
    ("clips/b/one.wav", "sadness", "b"), ("clips/b/two.wav", "grumpy", "b"), ("clips/b/three.flac", "happy", "b"),
    ("clips/c/one.wav", "neutral", "c"), ("clips/c/two.wav", "angry", "c"),
]  # fmt: skip


def make_own(root, suffix=".csv", rows=ROWS, extra_files=True):
    for i, (path, _, _) in enumerate(rows):
        write_wav(root / path, 22050, seed=i, seconds=2.5)
    if extra_files:
        write_wav(root / "clips" / "c" / "unlisted.wav", 22050)
    lines = [*rows, ("clips/c/gone.wav", "sad", "c")]  # listed, not on disk
    if suffix == ".csv":
        text = "path,emotion,speaker,gender\n" + "".join(f"{p},{e},{s},Female\n" for p, e, s in lines)
    else:
        text = "".join(
            json.dumps({"path": p, "emotion": e, "speaker": s, "text": f"utt {p}"}) + "\n" for p, e, s in lines
        )
    (root / f"metadata{suffix}").write_text(text)
    return root / f"metadata{suffix}"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_own_corpus_is_rows_and_counted_skips(tmp_path, suffix):
    metadata = make_own(tmp_path / "mydata", suffix)
    dataset, report = load_corpus("mydata", metadata, cache_dir=tmp_path / "cache", return_report=True)
    assert Counter(dataset["emotion"]) == {"angry": 2, "happy": 2, "neutral": 2, "sad": 1, "grumpy": 1}
    assert Counter(dataset["speaker"]) == {"mydata/a": 3, "mydata/b": 3, "mydata/c": 2}
    assert set(dataset["corpus"]) == {"mydata"} and dataset[0]["audio"].get_all_samples().sample_rate == 16000
    assert report["skipped"] == {"not listed in the metadata file": 1, f"listed in metadata{suffix} but missing": 1}
    assert set(dataset["gender"]) == ({"female"} if suffix == ".csv" else {"unknown"})


def test_own_classes_join_the_n_view_and_must_be_mapped_in_the_4_view(tmp_path):
    own = load_corpus("mydata", make_own(tmp_path / "mydata"), cache_dir=tmp_path / "cache")
    ravdess = load_corpus("ravdess", make_ravdess(tmp_path / "r", actors=3), cache_dir=tmp_path / "cache")
    combined, report = combine_corpora({"ravdess": ravdess, "mydata": own}, view="N", min_duration=0)
    assert report.classes[-1] == "grumpy" and "calm" in report.classes
    assert report.kept["mydata"]["grumpy"] == 1
    with pytest.raises(ValueError, match=r"'mydata' has emotions outside the canonical vocabulary: \['grumpy'\]"):
        combine_corpora({"ravdess": ravdess, "mydata": own}, view="4", min_duration=0)
    mapped = own.filter(lambda row: row["emotion"] != "grumpy")
    combined, report = combine_corpora({"ravdess": ravdess, "mydata": mapped}, view="4", min_duration=2.0)
    assert report.kept["mydata"] == {"angry": 2, "happy": 2, "neutral": 2, "sad": 1}
    plan = make_splits(Metadata.from_dataset(combined), seed=0)
    assert plan.corpora["mydata"]["rule"] == "random speaker" and len(plan.corpora["mydata"]["test_speakers"]) == 1


def test_a_wrong_metadata_file_is_an_error_naming_it(tmp_path):
    root = tmp_path / "mine"
    root.mkdir()
    (root / "metadata.csv").write_text("file,label\nx.wav,angry\n")
    with pytest.raises(ValueError, match=r"'.*mine/metadata.csv' lacks the columns \['path', 'emotion', 'speaker'\]"):
        load_corpus("mine", root / "metadata.csv", cache_dir=tmp_path / "c")
    (root / "metadata.jsonl").write_text('{"path": "x.wav", "emotion": "angry", "speaker": "a"}\n[1, 2]\n')
    with pytest.raises(ValueError, match=r"metadata.jsonl' line 2: expected a JSON object"):
        load_corpus("mine", root / "metadata.jsonl", cache_dir=tmp_path / "c")
    with pytest.raises(ValueError, match="Unknown corpus 'mine'.*`mine=path/to/metadata.csv`"):
        load_corpus("mine", root, cache_dir=tmp_path / "c")
    with pytest.raises(ValueError, match="Own corpus name 'My Data'"):
        load_corpus("My Data", root / "metadata.csv", cache_dir=tmp_path / "c")
