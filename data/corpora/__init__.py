"""One `datasets` builder per corpus, each reading a user's local copy in its original layout."""

from .asvpesd import AsvpEsd
from .cremad import CremaD
from .emofilm import EmoFilm
from .emovdb import EmovDB
from .esd import ESD
from .iemocap import Iemocap
from .jlcorpus import JLCorpus
from .meld import Meld
from .ravdess import Ravdess
from .savee import Savee
from .tess import Tess

BUILDERS = {
    builder.CORPUS: builder
    for builder in (Iemocap, Meld, AsvpEsd, EmovDB, Tess, EmoFilm, Savee, Ravdess, CremaD, JLCorpus, ESD)
}

__all__ = ["BUILDERS", *(builder.__name__ for builder in BUILDERS.values())]
