"""Every emotion name lives here: the canonical vocabulary, each corpus' native -> canonical map, and the
paper's 4-, 5- and N-emotion views. Every other module imports from this one."""

from collections.abc import Iterable

CANONICAL: tuple[str, ...] = (
    "neutral", "angry", "happy", "sad", "surprised", "fear", "disgust", "calm", "contempt", "excited",
    "frustrated", "amused", "sleepy", "pain", "anxious", "apologetic", "assertive", "concerned", "encouraging",
)  # fmt: skip

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
                "fru": "frustrated", "sur": "surprised", "fea": "fear", "dis": "disgust"},
    "meld": {"neutral": "neutral", "joy": "happy", "sadness": "sad", "anger": "angry", "surprise": "surprised",
             "fear": "fear", "disgust": "disgust"},
    "emovdb": {"Amused": "amused", "Angry": "angry", "Disgusted": "disgust", "Neutral": "neutral",
               "Sleepy": "sleepy"},
    "asvpesd": {"02": "neutral", "03": "happy", "04": "sad", "05": "angry", "06": "fear", "07": "disgust",
                "08": "surprised", "09": "excited", "11": "pain"},
    "emofilm": {"ans": "fear", "dis": "contempt", "gio": "happy", "rab": "angry", "tri": "sad"},
}  # fmt: skip
"""Native label -> canonical emotion. A native label absent here (IEMOCAP `oth`/`xxx`, ASVP-ESD boredom,
pleasure, disappointment, breath) is a counted skip of the loader."""

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


def _check_corpus(corpus: str) -> None:
    if corpus not in NATIVE_LABELS:
        raise ValueError(f"Unknown corpus {corpus!r}; known: {sorted(NATIVE_LABELS)}.")


def to_canonical(corpus: str, native: str) -> str | None:
    """Canonical emotion of a corpus' native label, or None when the label is outside the vocabulary."""
    _check_corpus(corpus)
    return NATIVE_LABELS[corpus].get(native)


def view_classes(view: str, corpora: Iterable[str]) -> tuple[str, ...]:
    """Ordered class names of a view over some corpora: the view's classes that at least one of them has (the
    paper keeps "whichever available subset" of a view a corpus can serve); `"N"` is the union of their classes."""
    corpora = list(corpora)
    for corpus in corpora:
        _check_corpus(corpus)
    if view not in VIEW_NAMES:
        raise ValueError(f"Unknown emotion view {view!r}; expected '4', '5' or 'N'.")
    present = {
        VIEW_MERGES.get(corpus, {}).get(emotion, emotion) if view in VIEWS else emotion
        for corpus in corpora
        for emotion in CORPUS_CLASSES[corpus]
    }
    order = VIEWS.get(view, CANONICAL)
    return tuple(emotion for emotion in order if emotion in present)


def in_view(corpus: str, emotion: str, view: str) -> str | None:
    """The class a canonical emotion of `corpus` takes in `view`, or None if the view leaves it out."""
    _check_corpus(corpus)
    if view == "N":
        return emotion if emotion in CORPUS_CLASSES[corpus] else None
    emotion = VIEW_MERGES.get(corpus, {}).get(emotion, emotion)
    return emotion if emotion in VIEWS[view] else None


def id2label(classes: Iterable[str]) -> dict[int, str]:
    """`id2label` for a model config: int ids in view order."""
    return dict(enumerate(classes))
