"""One `datasets` builder per corpus, each reading a user's local copy in its original layout, and the builder of
a user's own corpus (a metadata CSV or JSONL)."""

from .asvpesd import AsvpEsd
from .cremad import CremaD
from .emofilm import EmoFilm
from .emovdb import EmovDB
from .esd import ESD
from .iemocap import Iemocap
from .jlcorpus import JLCorpus
from .meld import Meld
from .own import OwnCorpus
from .ravdess import Ravdess
from .savee import Savee
from .tess import Tess

BUILDERS = {
    builder.CORPUS: builder
    for builder in (Iemocap, Meld, AsvpEsd, EmovDB, Tess, EmoFilm, Savee, Ravdess, CremaD, JLCorpus, ESD)
}


def corpus_facts(name: str) -> dict[str, str | bool]:
    """Title, licence, version and whether the audio may be uploaded, of a built-in corpus or a user's own one
    (titled by its name; never uploaded)."""
    builder = BUILDERS.get(name, OwnCorpus)
    return {
        "title": builder.TITLE if name in BUILDERS else name,
        "license": builder.LICENSE,
        "version": str(builder.VERSION),
        "redistributable": builder.REDISTRIBUTABLE,
    }


__all__ = ["BUILDERS", "OwnCorpus", "corpus_facts", *(builder.__name__ for builder in BUILDERS.values())]
