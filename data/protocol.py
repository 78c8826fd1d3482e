"""The paper's evaluation protocol as pure functions over metadata: one held-out test speaker per corpus,
k-fold cross-validation on the rest, the paper's exceptions (flagged), leakage checks, and split manifests."""

import hashlib
import json
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, train_test_split

from .builder import RULE_MOST_SPEECH, RULE_RANDOM, RULE_UTTERANCE_CV, RULE_UTTERANCE_SHARE
from .corpora import BUILDERS

CV_MODES = ("speaker", "paper")
MAX_FOLDS = 5
MANIFEST_VERSION = 1


@dataclass
class Metadata:
    """The columns the protocol reads, one entry per utterance."""

    ids: list[str]
    corpus: list[str]
    speaker: list[str]
    label: list[int | str]
    duration: list[float]

    @classmethod
    def from_dataset(cls, dataset, label_column: str = "label") -> "Metadata":
        columns = dataset.select_columns(["id", "corpus", "speaker", label_column, "duration"]).to_dict()
        return cls(columns["id"], columns["corpus"], columns["speaker"], columns[label_column], columns["duration"])

    def __post_init__(self):
        sizes = {len(self.ids), len(self.corpus), len(self.speaker), len(self.label), len(self.duration)}
        if len(sizes) != 1:
            raise ValueError(f"Metadata columns differ in length: {sorted(sizes)}.")
        if len(set(self.ids)) != len(self.ids):
            duplicates = [i for i, n in Counter(self.ids).items() if n > 1][:5]
            raise ValueError(f"Utterance ids must be unique; repeated: {duplicates}.")


@dataclass
class Fold:
    train: list[str]
    validation: list[str]


@dataclass
class SplitPlan:
    """Test ids, folds, and per corpus the rule applied and the flags of the paper's exceptions."""

    seed: int
    cv: str
    corpora: dict[str, dict]
    test: list[str]
    folds: list[Fold]
    flags: list[str] = field(default_factory=list)
    corpus_versions: dict[str, str] = field(default_factory=dict)

    def roles(self, fold: int) -> dict[str, list[str]]:
        return {"train": self.folds[fold].train, "validation": self.folds[fold].validation, "test": self.test}


def test_rule(corpus: str) -> tuple[str, float | None]:
    """The corpus' held-out rule and test share, from its builder (a user's own corpus: a random speaker)."""
    builder = BUILDERS.get(corpus)
    return (builder.TEST_RULE, builder.TEST_SHARE) if builder else (RULE_RANDOM, None)


def _exempt(corpus: str) -> bool:
    """Whether a corpus' rule lets a speaker be in more than one role (utterance-level CV or test share)."""
    return test_rule(corpus)[0] in (RULE_UTTERANCE_CV, RULE_UTTERANCE_SHARE)


def _rng(seed: int, corpus: str) -> np.random.Generator:
    """A generator per (seed, corpus), stable across processes (no Python string hashing)."""
    return np.random.default_rng([seed, zlib.crc32(corpus.encode())])


def pick_test_speakers(
    corpus: str, speakers: list[str], durations: list[float], seed: int, count: int = 1
) -> tuple[list[str], str]:
    """The corpus' `count` held-out speakers (the paper's protocol: one) and the rule that chose them: the most
    speech for MELD, ASVP-ESD and IEMOCAP, else drawn at random (seeded)."""
    unique = sorted(set(speakers))
    if not 1 <= count <= len(unique) - 1:
        raise ValueError(
            f"{corpus}: `test_speakers` {count} needs 1 to {len(unique) - 1} of its {len(unique)} speakers "
            "(one must be left to train on)."
        )
    if test_rule(corpus)[0] == RULE_MOST_SPEECH:
        total: defaultdict[str, float] = defaultdict(float)
        for speaker, duration in zip(speakers, durations, strict=True):
            total[speaker] += duration
        ranked = sorted(sorted(total), key=total.__getitem__, reverse=True)
        return sorted(ranked[:count]), "most speech"
    rng = _rng(seed, corpus)
    if count == 1:  # the draw of every earlier whisper-ser version: splits stay the same
        return [unique[int(rng.integers(len(unique)))]], "random speaker"
    return sorted(rng.choice(unique, size=count, replace=False).tolist()), f"{count} random speakers"


def _stratified_folds(ids, strata, groups, k: int, seed: int) -> list[Fold]:
    ids = np.asarray(ids)
    splitter = (
        StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
        if groups is not None
        else StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    )
    try:
        return [
            Fold(sorted(ids[train].tolist()), sorted(ids[validation].tolist()))
            for train, validation in splitter.split(ids, strata, groups)
        ]
    except ValueError as err:
        raise ValueError(f"Cannot build {k} stratified folds over {len(ids)} utterances: {err}") from err


def _fold_count(groups: int, what: str) -> int:
    if groups < 2:
        raise ValueError(f"Cross-validation needs at least 2 {what} outside the test set, found {groups}.")
    return min(MAX_FOLDS, groups)


def make_splits(
    meta: Metadata,
    seed: int = 0,
    cv: str = "speaker",
    corpus_versions: dict | None = None,
    test_speakers: int = 1,
) -> SplitPlan:
    """Held-out test set per corpus and k-fold CV on the rest, deterministic for `seed`. `test_speakers` speakers
    per corpus are held out (the paper: 1; more trade training data for tighter intervals).

    One corpus: k = min(5, speakers left) speaker-disjoint folds (TESS: 5 folds over the remaining speaker's
    utterances; EmoFilm: 15 % test and 5 folds over utterances). Several corpora (a combined run): each corpus
    keeps its test rule, then `cv="speaker"` (default) builds speaker-grouped folds stratified by corpus and
    emotion (`StratifiedGroupKFold`), `cv="paper"` the paper's percentage folds (speakers may repeat across
    training and validation: flagged).
    """
    if cv not in CV_MODES:
        raise ValueError(f"`cv` must be one of {CV_MODES}, got {cv!r}.")
    by_corpus: defaultdict[str, list[int]] = defaultdict(list)
    for i, corpus in enumerate(meta.corpus):
        by_corpus[corpus].append(i)
    corpora_info, test_idx, flags = {}, [], []
    for corpus, rows in sorted(by_corpus.items()):
        rule_name, share = test_rule(corpus)
        if rule_name == RULE_UTTERANCE_SHARE:
            _, test_rows = train_test_split(
                rows, test_size=share, random_state=seed, stratify=[meta.label[i] for i in rows]
            )
            chosen, rule = sorted({meta.speaker[i] for i in test_rows}), f"{share:.0%} of utterances"
            flags.append(f"{corpus}: utterance-level test split ({share:.0%}) and CV, as in the paper")
        else:
            if rule_name == RULE_UTTERANCE_CV and test_speakers > 1:
                raise ValueError(f"{corpus}: the paper tests one of its speakers; `test_speakers` must be 1.")
            chosen, rule = pick_test_speakers(
                corpus, [meta.speaker[i] for i in rows], [meta.duration[i] for i in rows], seed, test_speakers
            )
            test_rows = [i for i in rows if meta.speaker[i] in chosen]
            if rule_name == RULE_UTTERANCE_CV:
                flags.append(f"{corpus}: CV over the utterances of the remaining speaker, as in the paper")
        test_idx += test_rows
        corpora_info[corpus] = {
            "test_speakers": chosen,
            "rule": rule,
            "utterances": len(rows),
        }

    test_set = set(test_idx)
    rest = [i for i in range(len(meta.ids)) if i not in test_set]
    ids = [meta.ids[i] for i in rest]
    single = len(by_corpus) == 1
    corpus = next(iter(by_corpus)) if single else None
    if not single and cv == "paper":
        flags.append("combined: percentage-based folds, a speaker may be in training and validation (paper)")
        strata = [f"{meta.corpus[i]}|{meta.label[i]}" for i in rest]
        folds = _stratified_folds(ids, strata, None, MAX_FOLDS, seed)
    elif single and _exempt(corpus):
        folds = _stratified_folds(ids, [meta.label[i] for i in rest], None, _fold_count(len(ids), "utterances"), seed)
    else:
        groups = [meta.speaker[i] for i in rest]
        strata = [f"{meta.corpus[i]}|{meta.label[i]}" for i in rest]
        folds = _stratified_folds(ids, strata, groups, _fold_count(len(set(groups)), "speakers"), seed)
    plan = SplitPlan(
        seed,
        cv,
        corpora_info,
        sorted(meta.ids[i] for i in test_idx),
        folds,
        flags,
        dict(sorted((corpus_versions or {}).items())),
    )
    check_no_leakage(plan, meta)
    return plan


def check_no_leakage(plan: SplitPlan, meta: Metadata) -> None:
    """No speaker in two of train / validation / test, except inside the flagged exceptions."""
    speaker_of = dict(zip(meta.ids, meta.speaker, strict=True))
    corpus_of = dict(zip(meta.ids, meta.corpus, strict=True))
    paper_cv = any(flag.startswith("combined: percentage") for flag in plan.flags)

    def speakers(ids, skip_exempt: bool) -> set[str]:
        return {speaker_of[i] for i in ids if not (skip_exempt and _exempt(corpus_of[i]))}

    test = speakers(plan.test, skip_exempt=True)
    for index, fold in enumerate(plan.folds):
        train, validation = speakers(fold.train, True), speakers(fold.validation, True)
        overlaps = {"test/train": test & train, "test/validation": test & validation}
        if not paper_cv:
            overlaps["train/validation"] = train & validation
        for roles, shared in overlaps.items():
            if shared:
                raise AssertionError(f"Speaker leakage in fold {index} ({roles}): {sorted(shared)[:5]}")


def _payload(plan: SplitPlan) -> dict:
    body = asdict(plan)
    body["folds"] = [{"train": f["train"], "validation": f["validation"]} for f in body["folds"]]
    return {"format_version": MANIFEST_VERSION, **body}


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def save_manifest(plan: SplitPlan, path: str | Path) -> Path:
    """Write the plan as JSON (sorted keys) with a SHA-256 of its content."""
    payload = _payload(plan)
    document = {**payload, "content_sha256": _digest(payload)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, sort_keys=True, indent=1) + "\n")
    return path


def load_manifest(path: str | Path) -> SplitPlan:
    """Read a manifest back, checking its version and content hash."""
    path = Path(path)
    document = json.loads(path.read_text())
    digest = document.pop("content_sha256", None)
    if document.get("format_version") != MANIFEST_VERSION:
        raise ValueError(f"{path}: manifest format {document.get('format_version')!r}; expected {MANIFEST_VERSION}.")
    if digest != _digest(document):
        raise ValueError(f"{path}: content hash mismatch; the manifest was edited or is corrupt.")
    document.pop("format_version")
    document["folds"] = [Fold(**fold) for fold in document["folds"]]
    return SplitPlan(**document)


def select_role(dataset, plan: SplitPlan, fold: int, role: str):
    """Rows of `dataset` for one role of one fold, by utterance id; ids the dataset lacks are an error."""
    wanted = plan.roles(fold)[role]
    position = {utt: i for i, utt in enumerate(dataset["id"])}
    missing = [utt for utt in wanted if utt not in position]
    if missing:
        raise ValueError(
            f"{len(missing)} utterances of the manifest's {role} set are not in this dataset (first: {missing[:3]}); "
            "check that every corpus of the manifest was loaded with the same version and filters."
        )
    return dataset.select([position[utt] for utt in wanted])
