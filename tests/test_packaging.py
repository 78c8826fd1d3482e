"""The installed distribution (what `pip install whisper-ser` gives): every subpackage inside it, nothing else at
the top level, and, under `make test`, the package imported from the install rather than the checkout."""

import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import whisper_ser
from tests.conftest import SOURCE

SUBPACKAGES = ("modeling", "data", "data.corpora", "recipes", "hub_cards")


def test_the_distribution_ships_every_subpackage_and_no_other_top_level_name():
    distribution = importlib.metadata.distribution("whisper-ser")
    files = [str(f) for f in distribution.files]
    if json.loads(distribution.read_text("direct_url.json") or "{}").get("dir_info", {}).get("editable"):
        pytest.skip("an editable install (`make develop`) lists no package files; `make test` installs the wheel")
    modules = {f for f in files if f.endswith(".py") and not f.startswith("../")}
    for sub in SUBPACKAGES:
        assert f"whisper_ser/{sub.replace('.', '/')}/__init__.py" in modules, sub
    corpora = {Path(f).stem for f in modules if f.startswith("whisper_ser/data/corpora/")} - {"__init__"}
    assert corpora == {p.stem for p in (SOURCE / "data" / "corpora").glob("*.py")} - {"__init__"}
    assert len(corpora) == 11 + 1  # the 11 corpora and a user's own
    assert any(f.startswith("whisper_ser/recipes/configs/") and f.endswith(".yaml") for f in files)
    assert {f.split("/")[0] for f in modules} == {"whisper_ser"}


def test_every_subpackage_imports_in_a_fresh_process_outside_the_source_tree(tmp_path):
    script = "; ".join(f"import whisper_ser.{sub}" for sub in SUBPACKAGES) + "; import whisper_ser; "
    script += "print(whisper_ser.__file__)"
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("__init__.py")


@pytest.mark.skipif("WHISPER_SER_SOURCE" not in os.environ, reason="`make test` runs the suite against the wheel")
def test_the_suite_runs_against_the_installed_wheel_not_the_checkout():
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    for module in (whisper_ser, *(importlib.import_module(f"whisper_ser.{sub}") for sub in SUBPACKAGES)):
        path = Path(module.__file__).resolve()
        assert path.is_relative_to(site_packages), path  # the venv may sit in the checkout: check where it is
        assert not any(
            path.is_relative_to(SOURCE.resolve() / top)
            for top in ("modeling", "data", "recipes", "hub_cards", "whisper_ser")
        ), path
