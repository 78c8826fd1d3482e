"""Combination, speaker splits and manifests, balancing and augmentation."""

from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE

from tests.fixtures.corpora import make_emofilm, make_iemocap, make_ravdess
from whisper_ser.data import load_corpus
from whisper_ser.data.augment import AugmentConfig, Augmenter
from whisper_ser.data.balance import clip_features, mix, plan_balance
from whisper_ser.data.combine import combine_corpora
from whisper_ser.data.protocol import (
    Metadata,
    check_no_leakage,
    load_manifest,
    make_splits,
    pick_test_speakers,
    save_manifest,
    select_role,
)


def synthetic_meta(speakers_per_corpus: dict[str, int], per_speaker: int = 12, classes: int = 4) -> Metadata:
    ids, corpus, speaker, label, duration = [], [], [], [], []
    for name, count in speakers_per_corpus.items():
        for s in range(count):
            for u in range(per_speaker):
                ids.append(f"{name}/{s}/{u}")
                corpus.append(name)
                speaker.append(f"{name}/spk{s}")
                label.append(u % classes)
                duration.append(2.0 + s)  # speaker s has more speech than s - 1
    return Metadata(ids, corpus, speaker, label, duration)


def speakers_of(meta: Metadata, ids) -> set[str]:
    lookup = dict(zip(meta.ids, meta.speaker, strict=True))
    return {lookup[i] for i in ids}


# --- combination -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpora")
    return {
        name: load_corpus(name, make(base / name), cache_dir=base / "cache")
        for name, make in (("iemocap", make_iemocap), ("ravdess", make_ravdess))
    }


def test_combine_views_merge_and_duration_filter(corpora):
    combined, report = combine_corpora(corpora, view="4", min_duration=0.0, max_duration=13.0)
    assert combined.features["label"].names == ["neutral", "angry", "happy", "sad"]
    # IEMOCAP: neutral 2, excited->happy 1 + happy 1, angry 1, sad 1; RAVDESS: 3 per class
    assert report.kept["iemocap"] == Counter({"neutral": 2, "happy": 2, "angry": 1, "sad": 1})
    assert report.totals() == {"neutral": 5, "angry": 4, "happy": 5, "sad": 4}
    assert report.dropped["iemocap"] == Counter({("surprised", "not in view"): 1, ("frustrated", "not in view"): 1})
    assert len(combined) == 18 and "| **total** | 5 | 4 | 5 | 4 |" in report.to_markdown()
    _, five = combine_corpora(corpora, view="5", min_duration=0.0)
    assert five.totals()["surprised"] == 4
    _, everything = combine_corpora(corpora, view="N", min_duration=0.0)
    assert set(everything.classes) == {
        "neutral",
        "angry",
        "happy",
        "sad",
        "surprised",
        "fear",
        "disgust",
        "calm",
        "excited",
        "frustrated",
    }
    empty, filtered = combine_corpora(corpora, view="4", min_duration=2.0, max_duration=13.0)  # clips are 0.5 s
    assert len(empty) == 0 and filtered.totals() == {"neutral": 0, "angry": 0, "happy": 0, "sad": 0}
    assert filtered.dropped["ravdess"][("neutral", "outside duration bounds")] == 3


def test_duration_filter_reads_metadata_only(corpora):
    combined, report = combine_corpora({"ravdess": corpora["ravdess"]}, view="4", min_duration=0.4, max_duration=0.6)
    assert len(combined) == 12
    with pytest.raises(ValueError, match=r"Duration bounds must satisfy 0 <= min < max, got \[5, 1\]"):
        combine_corpora({"ravdess": corpora["ravdess"]}, view="4", min_duration=5, max_duration=1)


def test_combine_errors(corpora, tmp_path):
    with pytest.raises(ValueError, match="Unknown emotion view '7'"):
        combine_corpora(corpora, view="7")
    emofilm = load_corpus("emofilm", make_emofilm(tmp_path / "e"), cache_dir=tmp_path / "c")
    only_contempt = emofilm.filter(lambda e: e == "contempt", input_columns="emotion")
    with pytest.raises(ValueError, match="Corpus 'emofilm' has no class of the 4-emotion view"):
        combine_corpora({"emofilm": only_contempt}, view="4", min_duration=0)


# --- splits ----------------------------------------------------------------------------------------------------


def test_single_corpus_loso_test_speaker_and_speaker_disjoint_folds():
    meta = synthetic_meta({"ravdess": 8})
    plan = make_splits(meta, seed=3)
    assert len(plan.corpora["ravdess"]["test_speakers"]) == 1 and plan.corpora["ravdess"]["rule"] == "random speaker"
    assert len(plan.folds) == 5 and not plan.flags
    test = speakers_of(meta, plan.test)
    for fold in plan.folds:
        train, validation = speakers_of(meta, fold.train), speakers_of(meta, fold.validation)
        assert not (train & validation) and not (test & (train | validation))
        assert len(fold.train) + len(fold.validation) + len(plan.test) == len(meta.ids)
    assert sorted(i for f in plan.folds for i in f.validation) == sorted(set(meta.ids) - set(plan.test))
    assert make_splits(meta, seed=3) == plan  # deterministic
    others = {tuple(make_splits(meta, seed=s).corpora["ravdess"]["test_speakers"]) for s in range(12)}
    assert len(others) > 1  # the seed chooses among speakers


def test_fold_count_follows_the_speakers_left():
    plan = make_splits(synthetic_meta({"savee": 4}), seed=0)
    assert len(plan.folds) == 3  # 4 speakers, one held out
    with pytest.raises(ValueError, match="at least 2 speakers"):
        make_splits(synthetic_meta({"savee": 2}), seed=0)


@pytest.mark.parametrize("corpus", ["meld", "asvpesd", "iemocap"])
def test_most_speech_rule(corpus):
    meta = synthetic_meta({corpus: 6})
    plan = make_splits(meta, seed=0)
    assert plan.corpora[corpus] == {"test_speakers": [f"{corpus}/spk5"], "rule": "most speech", "utterances": 72}
    assert pick_test_speakers(corpus, ["a", "b", "b"], [5.0, 2.0, 2.0], seed=0) == (["a"], "most speech")


def test_several_test_speakers_per_corpus():
    meta = synthetic_meta({"ravdess": 8, "meld": 6, "tess": 2})
    one = make_splits(meta, seed=3)
    assert make_splits(meta, seed=3, test_speakers=1) == one  # the paper's protocol is the default
    with pytest.raises(ValueError, match="tess: the paper tests one"):
        make_splits(meta, seed=3, test_speakers=3)
    meta = synthetic_meta({"ravdess": 8, "meld": 6})
    plan = make_splits(meta, seed=3, test_speakers=3)
    assert (
        len(plan.corpora["ravdess"]["test_speakers"]) == 3 and plan.corpora["ravdess"]["rule"] == "3 random speakers"
    )
    assert plan.corpora["meld"]["test_speakers"] == ["meld/spk3", "meld/spk4", "meld/spk5"]  # the most speech
    assert speakers_of(meta, plan.test) == {s for c in plan.corpora.values() for s in c["test_speakers"]}
    for fold in plan.folds:
        assert not speakers_of(meta, plan.test) & speakers_of(meta, fold.train + fold.validation)
    with pytest.raises(ValueError, match="needs 1 to 5 of its 6 speakers"):
        make_splits(meta, seed=3, test_speakers=6)


def test_tess_exception_is_flagged():
    meta = synthetic_meta({"tess": 2}, per_speaker=20)
    plan = make_splits(meta, seed=1)
    assert len(plan.folds) == 5 and plan.flags == [
        "tess: CV over the utterances of the remaining speaker, as in the paper"
    ]
    remaining = speakers_of(meta, meta.ids) - speakers_of(meta, plan.test)
    assert all(speakers_of(meta, f.train) == speakers_of(meta, f.validation) == remaining for f in plan.folds)


def test_emofilm_exception_is_flagged():
    meta = synthetic_meta({"emofilm": 3}, per_speaker=20)
    plan = make_splits(meta, seed=1)
    assert len(plan.test) == 9 and plan.corpora["emofilm"]["rule"] == "15% of utterances"
    assert plan.flags[0].startswith("emofilm: utterance-level test split (15%)") and len(plan.folds) == 5


def test_combined_default_is_speaker_grouped_and_paper_mode_is_flagged():
    meta = synthetic_meta({"ravdess": 8, "cremad": 9, "tess": 2, "iemocap": 6})
    plan = make_splits(meta, seed=0)
    assert set(plan.corpora) == {"ravdess", "cremad", "tess", "iemocap"} and len(plan.folds) == 5
    assert plan.flags == ["tess: CV over the utterances of the remaining speaker, as in the paper"]
    for fold in plan.folds:
        assert not speakers_of(meta, fold.train) & speakers_of(meta, fold.validation)
    paper = make_splits(meta, seed=0, cv="paper")
    assert any(flag.startswith("combined: percentage-based folds") for flag in paper.flags)
    corpus_of = dict(zip(meta.ids, meta.corpus, strict=True))
    for fold in paper.folds:
        assert {corpus_of[i] for i in fold.validation} == {"ravdess", "cremad", "tess", "iemocap"}
    assert any(speakers_of(meta, f.train) & speakers_of(meta, f.validation) for f in paper.folds)
    with pytest.raises(ValueError, match="`cv` must be one of"):
        make_splits(meta, cv="random")


def test_leakage_is_enforced_in_code():
    meta = synthetic_meta({"ravdess": 6})
    plan = make_splits(meta, seed=0)
    plan.folds[0].train.append(plan.test[0])
    with pytest.raises(AssertionError, match="Speaker leakage in fold 0 \\(test/train\\)"):
        check_no_leakage(plan, meta)


def test_manifest_round_trip_is_byte_identical(tmp_path):
    meta = synthetic_meta({"ravdess": 6, "iemocap": 5})
    plan = make_splits(meta, seed=7, corpus_versions={"ravdess": "1.0.0", "iemocap": "1.0.0"})
    first = save_manifest(plan, tmp_path / "a.json")
    loaded = load_manifest(first)
    assert loaded == plan
    second = save_manifest(loaded, tmp_path / "b.json")
    assert first.read_bytes() == second.read_bytes()
    edited = first.read_text().replace(plan.test[0], "ravdess/forged", 1)
    (tmp_path / "c.json").write_text(edited)
    with pytest.raises(ValueError, match="content hash mismatch"):
        load_manifest(tmp_path / "c.json")


def test_manifest_rebuilds_the_same_rows_from_another_copy(tmp_path):
    splits = []
    for copy in ("machine_a", "machine_b"):
        dataset = load_corpus("ravdess", make_ravdess(tmp_path / copy), cache_dir=tmp_path / copy / "cache")
        combined, _ = combine_corpora({"ravdess": dataset}, view="N", min_duration=0)
        splits.append((combined, make_splits(Metadata.from_dataset(combined), seed=5)))
    (data_a, plan_a), (data_b, _) = splits
    save_manifest(plan_a, tmp_path / "m.json")
    plan = load_manifest(tmp_path / "m.json")
    for role in ("train", "validation", "test"):
        assert select_role(data_b, plan, 0, role)["id"] == select_role(data_a, plan_a, 0, role)["id"]
    with pytest.raises(ValueError, match="not in this dataset"):
        select_role(data_b.select(range(5)), plan, 0, "train")


# --- balancing -------------------------------------------------------------------------------------------------


TABLE2_SHAPE = np.array([0] * 40 + [1] * 30 + [2] * 25 + [3] * 24)  # 4-emotion 'Original' column, scaled


@pytest.mark.parametrize(("method", "expected"), [
    ("none", {0: 40, 1: 30, 2: 25, 3: 24}),
    ("downsample", {0: 24, 1: 24, 2: 24, 3: 24}),
    ("random_oversample", {0: 40, 1: 40, 2: 40, 3: 40}),
    ("augment", {0: 40, 1: 40, 2: 40, 3: 40}),
    ("smote", {0: 40, 1: 40, 2: 40, 3: 40}),
])  # fmt: skip
def test_balanced_counts_have_table2_shape(method, expected):
    features = np.random.default_rng(0).standard_normal((TABLE2_SHAPE.size, 8))
    plan = plan_balance(TABLE2_SHAPE, method, seed=0, features=features)
    assert plan.counts() == expected
    assert plan.augment.sum() == (sum(expected.values()) - TABLE2_SHAPE.size if method == "augment" else 0)


def test_adasyn_brings_every_class_near_the_largest():
    labels = np.array([0] * 120 + [1] * 40 + [2] * 30 + [3] * 20)
    features = np.random.default_rng(0).standard_normal((labels.size, 8))
    counts = plan_balance(labels, "adasyn", seed=0, features=features).counts()
    assert counts[0] == 120 and all(108 <= counts[c] <= 132 for c in (1, 2, 3)), counts


def test_smote_rows_lie_between_a_clip_and_a_same_class_neighbour():
    rng = np.random.default_rng(1)
    waves = [rng.standard_normal(rng.integers(800, 1200)).astype(np.float32) for _ in TABLE2_SHAPE]
    features = clip_features(waves, representation="waveform")
    plan = plan_balance(TABLE2_SHAPE, "smote", seed=4, features=features)
    synthetic = np.flatnonzero(plan.partner >= 0)
    assert synthetic.size == 160 - TABLE2_SHAPE.size
    reference, _ = SMOTE(random_state=4).fit_resample(features.astype(np.float64), TABLE2_SHAPE)
    for row, expected in zip(synthetic, reference[TABLE2_SHAPE.size :], strict=True):
        a, b, w = plan.source[row], plan.partner[row], plan.weight[row]
        assert TABLE2_SHAPE[a] == TABLE2_SHAPE[b] == plan.label[row] and 0 <= w <= 0.5
        np.testing.assert_allclose((1 - w) * features[a] + w * features[b], expected, atol=1e-9)
        same_class = np.flatnonzero(TABLE2_SHAPE == TABLE2_SHAPE[a])

        def nearest(i, same_class=same_class):
            return same_class[np.argsort(np.linalg.norm(features[same_class] - features[i], axis=1))[1:6]]

        assert b in nearest(a) or a in nearest(b)  # the pair is a clip and one of its 5 nearest same-class clips
        audio = mix(waves[a], waves[b], w)
        assert audio.size == max(waves[a].size, waves[b].size)
        np.testing.assert_allclose(audio[:50], (1 - w) * waves[a][:50] + w * waves[b][:50], atol=1e-6)


def test_logmel_representation_is_compact():
    waves = [np.sin(np.linspace(0, 100 * k, 16000 * 3)).astype(np.float32) for k in range(1, 4)]
    assert clip_features(waves).shape == (3, 160)


def test_balancing_errors():
    with pytest.raises(ValueError, match="Unknown balancing method 'mixup'"):
        plan_balance(TABLE2_SHAPE, "mixup")
    with pytest.raises(ValueError, match=r"Classes \[4\] have no training clip"):
        plan_balance(TABLE2_SHAPE, "downsample", classes=5)
    with pytest.raises(ValueError, match="smote needs `features`"):
        plan_balance(TABLE2_SHAPE, "smote")
    with pytest.raises(ValueError, match="at least 2 clips in every class"):
        plan_balance(np.array([0, 0, 0, 1]), "smote", features=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="empty training set"):
        plan_balance([], "none")


# --- augmentation ----------------------------------------------------------------------------------------------


def test_augmentation_is_reproducible_and_off_by_default():
    wave = np.sin(np.linspace(0, 2000, 16000)).astype(np.float32) * 0.3
    assert Augmenter(AugmentConfig())(wave, 16000, key=1) is wave
    config = AugmentConfig(
        augment_probability=1.0,
        augment_gain_p=1.0,
        augment_noise_p=1.0,
        augment_pitch_p=0.0,
        augment_time_stretch_p=0.0,
    )
    first = Augmenter(config, seed=3)(wave, 16000, key=7)
    np.random.seed(123)  # global state must not matter
    assert np.array_equal(first, Augmenter(config, seed=3)(wave, 16000, key=7))
    assert not np.array_equal(first, Augmenter(config, seed=3)(wave, 16000, key=8))
    assert not np.allclose(first, wave)
    with pytest.raises(ValueError, match="augment_probability"):
        AugmentConfig(augment_probability=2)
    with pytest.raises(ValueError, match=r"`augment_gain_db` must be \[low, high\]"):
        AugmentConfig(augment_gain_db=[3, -3])


def test_views_keep_the_classes_a_corpus_can_serve():
    from whisper_ser.data.labels import view_classes

    assert view_classes("4", ["emovdb"]) == ("neutral", "angry")  # Table 3: 2 emotions
    assert view_classes("4", ["emofilm"]) == ("angry", "happy", "sad")  # Table 3: 3
    assert view_classes("5", ["cremad"]) == ("neutral", "angry", "happy", "sad")  # Table 3: 4
    assert view_classes("5", ["cremad", "tess"]) == ("neutral", "angry", "happy", "sad", "surprised")
    assert view_classes("4", ["iemocap"]) == ("neutral", "angry", "happy", "sad")  # excited merged into happy
    assert len(view_classes("N", ["jlcorpus"])) == 10 and len(view_classes("N", ["ravdess"])) == 8


def test_balanced_input_gives_integer_rows_and_no_synthesis():
    labels = np.array([0, 0, 0, 1, 1, 1])
    plan = plan_balance(labels, "smote", features=np.random.default_rng(0).standard_normal((6, 3)))
    assert plan.source.dtype.kind == "i" and plan.partner.tolist() == [-1] * 6 and plan.counts() == {0: 3, 1: 3}
