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

REDISTRIBUTABLE = {
    "ravdess": True,  # CC BY-NC-SA 4.0
    "cremad": True,  # ODbL
    "tess": True,  # CC BY-NC-ND 4.0: verbatim copies only (whisper-ser uploads the original files)
    "jlcorpus": True,  # CC0
    "asvpesd": True,  # CC BY 4.0
    "meld": True,  # GPL-3.0
    "savee": False,  # free for research, no redistribution grant
    "esd": False,  # research licence, no redistribution
    "iemocap": False,  # licence by request, no redistribution
    "emovdb": False,  # no redistribution grant we could verify
    "emofilm": False,  # research licence by request
}
"""Whether a corpus' licence lets a publisher upload its original audio files (the one place this is decided)."""

__all__ = ["BUILDERS", "REDISTRIBUTABLE", *(builder.__name__ for builder in BUILDERS.values())]
