"""Package layout: the top-level folders `modeling/`, `data/`, `recipes/` and `hub_cards/` are the subpackages
`whisper_ser.modeling` … and `whisper_ser/` holds the rest. Every package below them is discovered, none is
listed by hand; the rest of the metadata is in `pyproject.toml`."""

from setuptools import find_namespace_packages, setup

ROOTS = {
    "whisper_ser": "whisper_ser",
    "whisper_ser.modeling": "modeling",
    "whisper_ser.data": "data",
    "whisper_ser.recipes": "recipes",
    "whisper_ser.hub_cards": "hub_cards",
}

setup(
    packages=[
        name
        for root, folder in ROOTS.items()
        for name in (root, *(f"{root}.{p}" for p in find_namespace_packages(folder, exclude=["*__pycache__*"])))
    ],
    package_dir=ROOTS,
)
