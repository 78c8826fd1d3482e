"""Table 3 and the cross-corpus matrix from stored metrics; a resumable grid of tiny runs; README paths."""

import csv
import json
import re
from types import SimpleNamespace

import pytest

from tests.conftest import RECIPES, SOURCE, tiny_recipe
from whisper_ser.recipes.benchmark import run_grid
from whisper_ser.recipes.report import cross_corpus, table3, write_table3
from whisper_ser.recipes.results import CorpusScores


def stored(corpora, test, cross=None):
    """The fields of a `RunResult` that the tables read."""

    def scores(accuracy):
        return CorpusScores(accuracy, accuracy, accuracy, 10, [[10]], accuracy_ci=[accuracy - 0.1, accuracy + 0.05])

    return SimpleNamespace(
        corpora=corpora,
        test={c: scores(a) for c, a in test.items()},
        cross_corpus={c: scores(a) for c, a in (cross or {}).items()},
    )


def test_table3_layout_with_paper_figures(tmp_path):
    runs = [
        {"setup": "4", "column": "SM", "metrics": stored(["ravdess", "savee"], {"ravdess": 0.9, "savee": 0.7})},
        {"setup": "4", "column": "Tr.Sep", "metrics": stored(["ravdess"], {"ravdess": 0.8}, {"savee": 0.4})},
        {"setup": "N", "column": "Tr.Sep", "metrics": stored(["savee"], {"savee": 0.6})},
    ]
    paper = {"ravdess": {"4/SM": 87.5, "4/Tr.Sep": 80.83}, "savee": {"4/SM": 77.78}}
    header, rows = table3(runs, paper)
    assert header == ["corpus"] + [
        name for key in ("4/SM", "4/Tr.Sep", "N/Tr.Sep") for name in (key, f"{key} 95% CI", f"{key} paper")
    ]
    assert rows[0][:4] == ["ravdess", 90.0, pytest.approx([80.0, 95.0]), 87.5] and rows[0][7:] == [None] * 3
    assert rows[1][0] == "savee" and rows[1][1] == 70.0 and rows[1][7] == 60.0
    assert rows[2][0] == "Mean" and rows[2][1] == pytest.approx(80.0) and rows[2][3] == pytest.approx(82.64)
    csv_path, md_path = write_table3(header, rows, tmp_path)
    assert list(csv.reader(csv_path.open()))[1][:7] == ["ravdess", "90.00", "[80.0, 95.0]", "87.50", "80.00",
                                                         "[70.0, 85.0]", "80.83"]  # fmt: skip
    assert "| ravdess | 90.00 [80.0, 95.0] (87.50) | 80.00 [70.0, 85.0] (80.83) | – |" in md_path.read_text()
    cross_header, cross_rows = cross_corpus(runs)
    assert cross_header == ["trained on \\ tested on", "ravdess", "savee"]
    assert cross_rows == [["ravdess (4)", 80.0, 40.0], ["savee (N)", None, 60.0]]


@pytest.fixture
def tiny_grid(tmp_path):
    common = tiny_recipe(tmp_path)
    (tmp_path / "combined.yaml").write_text(common + "corpora: [ravdess=ravdess, cremad=cremad]\nbalance: smote\n")
    (tmp_path / "original.yaml").write_text(common + "corpora: [ravdess=ravdess, cremad=cremad]\n")
    (tmp_path / "single.yaml").write_text(common + "corpora: [ravdess=ravdess]\ntest_corpora: [cremad=cremad]\n")
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        "runs:\n  - {name: co, config: combined.yaml, setup: '4', column: SM}\n"
        "  - {name: un, config: original.yaml, setup: '4', column: UN}\n"
        "  - {name: sep, config: single.yaml, setup: '4', column: Tr.Sep}\n"
        "paper:\n  ravdess: {'4/SM': 87.5}\n"
    )
    return grid


def test_grid_writes_table_plots_and_resumes(tiny_grid, tmp_path):
    output = tmp_path / "results"
    result = run_grid(tiny_grid, output)
    table = list(csv.DictReader((output / "table3.csv").open()))
    assert [row["corpus"] for row in table] == ["cremad", "ravdess", "Mean"]
    assert table[1]["4/SM paper"] == "87.50" and table[1]["4/Tr.Sep"] != "" and table[0]["4/Tr.Sep"] == ""
    cross = json.loads((output / "cross_corpus.json").read_text())
    assert cross["header"] == ["trained on \\ tested on", "cremad", "ravdess"] and cross["rows"][0][0] == "ravdess (4)"
    assert all(value is not None for value in cross["rows"][0][1:])
    for run in ("co", "sep"):
        assert (output / run / "confusion_ravdess.png").stat().st_size > 1000
        assert (output / run / "tsne.png").stat().st_size > 1000
    metrics = json.loads((output / "co" / "metrics.json").read_text())
    assert metrics["balance"] == "smote"
    for corpus, scores in metrics["test"].items():  # intervals in every result, around the estimate
        assert scores["accuracy_ci"][0] <= scores["accuracy"] <= scores["accuracy_ci"][1], corpus
    compared = json.loads((output / "comparisons.json").read_text())
    assert {(r["first"], r["second"], r["corpus"]) for r in compared} == {
        ("UN", "SM", "ravdess"), ("UN", "SM", "cremad"), ("Tr.Sep", "UN", "ravdess"),
    }  # fmt: skip
    for row in compared:
        assert row["accuracy"]["ci"][0] <= row["accuracy"]["difference"] <= row["accuracy"]["ci"][1]
        assert 0 < row["accuracy"]["p_value"] <= 1 and row["clips"] > 0
    assert "combined beats separate" in (output / "comparisons.md").read_text()
    before = (output / "co" / "metrics.json").stat().st_mtime_ns
    assert run_grid(tiny_grid, output)["table3"] == result["table3"]
    assert (output / "co" / "metrics.json").stat().st_mtime_ns == before  # finished runs are skipped


def test_grid_refuses_unknown_keys(tmp_path):
    (tmp_path / "grid.yaml").write_text("runs: []\nextra: 1\n")
    with pytest.raises(ValueError, match=r"unknown keys \['extra'\]"):
        run_grid(tmp_path / "grid.yaml", tmp_path / "out")


def test_paths_in_the_readme_commands_exist():
    readme = (SOURCE / "README.md").read_text()
    blocks = "\n".join(re.findall(r"```bash\n(.*?)```", readme, flags=re.S))
    paths = set(
        re.findall(r"\b((?:recipes|accelerate_configs|benchmarks|hub_cards|tests)/[\w./-]+\.(?:py|yaml))", blocks)
    )
    assert paths, "the README shows no command paths"
    assert [p for p in sorted(paths) if not (SOURCE / p).is_file()] == []
    grid = (RECIPES / "configs" / "paper_table3.yaml").read_text()
    configs = re.findall(r"config: ([\w.]+\.yaml)", grid)
    assert len(configs) == 41 and all((RECIPES / "configs" / c).is_file() for c in configs)
