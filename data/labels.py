"""Every emotion name lives here: the canonical vocabulary, its synonyms (for users' own corpora), each corpus'
native -> canonical map, and the paper's 4-, 5- and N-emotion views. Every other module imports from this one."""

from collections.abc import Iterable, Mapping

CANONICAL: tuple[str, ...] = (
    "neutral", "angry", "happy", "sad", "surprised", "fear", "disgust", "calm", "contempt", "excited",
    "frustrated", "amused", "sleepy", "pain", "anxious", "apologetic", "assertive", "concerned", "encouraging",
)  # fmt: skip

SYNONYMS: dict[str, str] = {
    "neu": "neutral", "anger": "angry", "ang": "angry", "mad": "angry", "happiness": "happy", "joy": "happy",
    "hap": "happy", "sadness": "sad", "surprise": "surprised", "sur": "surprised", "fearful": "fear",
    "afraid": "fear", "scared": "fear", "disgusted": "disgust", "dis": "disgust", "calmness": "calm",
    "contemptuous": "contempt", "excitement": "excited", "frustration": "frustrated", "amusement": "amused",
    "sleepiness": "sleepy", "anxiety": "anxious",
}  # fmt: skip
"""Other names of canonical emotions (lower case), for the `emotion` column of a user's own corpus."""

VIEWS: dict[str, tuple[str, ...]] = {
    "4": ("neutral", "angry", "happy", "sad"),
    "5": ("neutral", "angry", "happy", "sad", "surprised"),
}
"""The paper's fixed views; `"N"` is each corpus' own classes (`CORPUS_CLASSES`)."""
VIEW_NAMES: tuple[str, ...] = (*VIEWS, "N")

VIEW_MERGES: dict[str, dict[str, str]] = {"iemocap": {"excited": "happy"}}
"""Merges applied in the 4- and 5-emotion views only (IEMOCAP's excited -> happy, after Liu et al., 2019)."""

NATIVE_LABELS: dict[str, dict[str, str]] = {
    "ravdess": {"01": "neutral", "02": "calm", "03": "happy", "04": "sad", "05": "angry", "06": "fear",
                "07": "disgust", "08": "surprised"},
    "cremad": {"ANG": "angry", "DIS": "disgust", "FEA": "fear", "HAP": "happy", "NEU": "neutral", "SAD": "sad"},
    "tess": {"angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy", "neutral": "neutral",
             "ps": "surprised", "sad": "sad"},
    "savee": {"a": "angry", "d": "disgust", "f": "fear", "h": "happy", "n": "neutral", "sa": "sad",
              "su": "surprised"},
    "jlcorpus": {"angry": "angry", "sad": "sad", "neutral": "neutral", "happy": "happy", "excited": "excited",
                 "anxious": "anxious", "apologetic": "apologetic", "assertive": "assertive",
                 "concerned": "concerned", "encouraging": "encouraging"},
    "esd": {"Angry": "angry", "Happy": "happy", "Neutral": "neutral", "Sad": "sad", "Surprise": "surprised"},
    "iemocap": {"neu": "neutral", "hap": "happy", "exc": "excited", "sad": "sad", "ang": "angry",
                "fru": "frustrated", "sur": "surprised"},
    "meld": {"neutral": "neutral", "joy": "happy", "sadness": "sad", "anger": "angry", "surprise": "surprised",
             "fear": "fear", "disgust": "disgust"},
    "emovdb": {"Amused": "amused", "Angry": "angry", "Disgusted": "disgust", "Neutral": "neutral",
               "Sleepy": "sleepy"},
    "asvpesd": {"02": "neutral", "03": "happy", "04": "sad", "05": "angry", "06": "fear", "07": "disgust",
                "08": "surprised", "11": "pain"},
    "emofilm": {"ans": "fear", "dis": "contempt", "gio": "happy", "rab": "angry", "tri": "sad"},
}  # fmt: skip
"""Native label -> canonical emotion; the targets of a corpus are exactly its `CORPUS_CLASSES`. A native label
absent here (IEMOCAP `oth`/`xxx`/`fea`/`dis`, ASVP-ESD boredom, excited, pleasure, disappointment, breath) is a
counted skip of the loader."""

CORPUS_CLASSES: dict[str, tuple[str, ...]] = {
    "asvpesd": ("neutral", "angry", "happy", "sad", "surprised", "fear", "disgust", "pain"),
    "cremad": ("neutral", "angry", "happy", "sad", "fear", "disgust"),
    "emofilm": ("angry", "happy", "sad", "fear", "contempt"),
    "esd": ("neutral", "angry", "happy", "sad", "surprised"),
    "iemocap": ("neutral", "angry", "happy", "sad", "surprised", "excited", "frustrated"),
    "jlcorpus": ("neutral", "angry", "happy", "sad", "excited", "anxious", "apologetic", "assertive", "concerned",
                 "encouraging"),
    "meld": ("neutral", "angry", "happy", "sad", "surprised", "fear", "disgust"),
    "tess": ("neutral", "angry", "happy", "sad", "surprised", "fear", "disgust"),
    "emovdb": ("neutral", "angry", "disgust", "amused", "sleepy"),
    "savee": ("neutral", "angry", "happy", "sad", "surprised", "fear", "disgust"),
    "ravdess": ("neutral", "angry", "happy", "sad", "surprised", "fear", "disgust", "calm"),
}  # fmt: skip
"""The N-emotion view: each corpus' classes in the paper's Table 1, plus ASVP-ESD's sad, which its English
files have although the paper lists none (see README)."""


def canonical_name(name: str) -> str:
    """A user's emotion name in the canonical vocabulary when it or a synonym is there, else its own lower-case name
    (a class of that corpus in the N view)."""
    name = " ".join(name.split()).lower()
    return name if name in CANONICAL else SYNONYMS.get(name, name)


def corpus_classes(corpus: str, emotions: Iterable[str] = ()) -> tuple[str, ...]:
    """The N-view classes of a corpus: the built-in table, or for a user's own corpus the emotions it holds
    (canonical ones in vocabulary order, then its own names sorted)."""
    if corpus in CORPUS_CLASSES:
        return CORPUS_CLASSES[corpus]
    present = set(emotions)
    if not present:
        raise ValueError(f"Unknown corpus {corpus!r} and no emotions given; built-in: {sorted(NATIVE_LABELS)}.")
    return tuple(e for e in CANONICAL if e in present) + tuple(sorted(present - set(CANONICAL)))


def _check_corpus(corpus: str) -> None:
    if corpus not in NATIVE_LABELS:
        raise ValueError(f"Unknown corpus {corpus!r}; known: {sorted(NATIVE_LABELS)}.")


def to_canonical(corpus: str, native: str) -> str | None:
    """Canonical emotion of a corpus' native label, or None when the label is outside the corpus' classes."""
    _check_corpus(corpus)
    return NATIVE_LABELS[corpus].get(native)


def _classes_of(corpora: Iterable[str] | Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    if isinstance(corpora, Mapping):
        return {corpus: corpus_classes(corpus, emotions) for corpus, emotions in corpora.items()}
    return {corpus: corpus_classes(corpus) for corpus in corpora}


def view_classes(view: str, corpora: Iterable[str] | Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """Ordered class names of a view over some corpora: the view's classes that at least one of them has (the
    paper keeps "whichever available subset" of a view a corpus can serve); `"N"` is the union of their classes.
    `corpora` maps a user's own corpus to its emotions; a built-in corpus may be named alone."""
    if view not in VIEW_NAMES:
        raise ValueError(f"Unknown emotion view {view!r}; expected '4', '5' or 'N'.")
    classes = _classes_of(corpora)
    if view in VIEWS:
        for corpus, names in classes.items():
            outside = sorted(set(names) - set(CANONICAL))
            if outside:
                raise ValueError(
                    f"Corpus {corpus!r} has emotions outside the canonical vocabulary: {outside}. The "
                    f"{view}-emotion view needs them mapped: rename them in its metadata file to one of "
                    f"{list(CANONICAL)} (or a synonym: {sorted(SYNONYMS)}), or train in the N view."
                )
    present = {
        VIEW_MERGES.get(corpus, {}).get(emotion, emotion) if view in VIEWS else emotion
        for corpus, names in classes.items()
        for emotion in names
    }
    order = VIEWS[view] if view in VIEWS else CANONICAL + tuple(sorted(present - set(CANONICAL)))
    return tuple(emotion for emotion in order if emotion in present)


def in_view(corpus: str, emotion: str, view: str, classes: Iterable[str] | None = None) -> str | None:
    """The class a canonical emotion of `corpus` takes in `view`, or None if the view leaves it out; `classes` are a
    user's own corpus' N-view classes (`corpus_classes`)."""
    own = tuple(classes) if classes is not None else corpus_classes(corpus)
    if view == "N":
        return emotion if emotion in own else None
    emotion = VIEW_MERGES.get(corpus, {}).get(emotion, emotion)
    return emotion if emotion in VIEWS[view] else None


def id2label(classes: Iterable[str]) -> dict[int, str]:
    """`id2label` for a model config: int ids in view order."""
    return dict(enumerate(classes))
