"""Reports of finished runs: the paper's Table 3 (CSV and Markdown, the paper's figures alongside), confusion
matrices, a t-SNE of the pooled embeddings, and the cross-corpus matrix."""

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402

from whisper_ser.recipes.results import RunResult  # noqa: E402

SETUPS = ("4", "5", "N")
COLUMNS = ("DS", "UN", "SM", "AD", "Tr.Sep")


def table3(runs: list[dict], paper: dict[str, dict[str, float]] | None = None) -> tuple[list[str], list[list]]:
    """Rows: corpora and Mean; columns `setup/column` (e.g. `4/SM`) with WA on the held-out speakers (%), each
    followed by the paper's figure when known. `runs`: {"setup", "column", "metrics": RunResult} per finished run."""
    cells: dict[tuple[str, str], float] = {}
    for run in runs:
        key, test = f"{run['setup']}/{run['column']}", run["metrics"].test
        for corpus, scores in test.items():
            if run["column"] != "Tr.Sep" or run["metrics"].corpora == [corpus]:
                cells[(corpus, key)] = 100 * scores.accuracy
    paper = paper or {}
    keys = [f"{s}/{c}" for s in SETUPS for c in COLUMNS if any(k == f"{s}/{c}" for _, k in cells)]
    corpora = sorted({corpus for corpus, _ in cells})
    header = ["corpus"] + [name for key in keys for name in (key, f"{key} paper")]
    rows = []
    for corpus in corpora:
        rows.append(
            [corpus] + [value for key in keys for value in (cells.get((corpus, key)), paper.get(corpus, {}).get(key))]
        )
    means = ["Mean"]
    for key in keys:
        ours = [cells[(c, key)] for c in corpora if (c, key) in cells]
        theirs = [paper[c][key] for c in corpora if key in paper.get(c, {}) and (c, key) in cells]
        means += [float(np.mean(ours)) if ours else None, float(np.mean(theirs)) if theirs else None]
    rows.append(means)
    return header, rows


def _fmt(value) -> str:
    return "" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def write_table3(header: list[str], rows: list[list], output: Path) -> tuple[Path, Path]:
    output.mkdir(parents=True, exist_ok=True)
    with (output / "table3.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[_fmt(v) for v in row] for row in rows])
    keys = header[1::2]
    lines = ["| corpus | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for row in rows:
        pairs = zip(row[1::2], row[2::2], strict=True)
        cells = [
            f"{_fmt(ours) or '–'}" + (f" ({_fmt(theirs)})" if theirs is not None else "") for ours, theirs in pairs
        ]
        name = f"**{row[0]}**" if row[0] == "Mean" else row[0]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    note = (
        "WA (%) on each corpus' held-out test speaker(s), averaged over folds; the paper's Table 3 figure in "
        "parentheses. DS downsample, UN original, SM SMOTE, AD ADASYN (combined training); Tr.Sep one corpus."
    )
    (output / "table3.md").write_text("\n".join(lines) + "\n\n" + note + "\n")
    return output / "table3.csv", output / "table3.md"


def plot_confusion(matrix, classes: list[str], title: str, path: Path) -> Path:
    matrix = np.asarray(matrix)
    figure, axis = plt.subplots(figsize=(1.0 + 0.7 * len(classes), 0.8 + 0.7 * len(classes)))
    axis.imshow(matrix, cmap="Blues")
    axis.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    axis.set_yticks(range(len(classes)), classes)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for (i, j), value in np.ndenumerate(matrix):
        axis.text(j, i, str(value), ha="center", va="center", color="white" if value > matrix.max() / 2 else "black")
    axis.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def plot_tsne(
    embeddings: np.ndarray, corpus: np.ndarray, labels: np.ndarray, classes: list[str], path: Path, seed: int = 0
) -> Path:
    """The paper's Figure 2: t-SNE of pooled embeddings, coloured by corpus (left) and by emotion (right)."""
    perplexity = float(max(2, min(30, (len(embeddings) - 1) // 3)))
    points = TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(embeddings)
    figure, axes = plt.subplots(1, 2, figsize=(12, 5))
    for axis, values, names, title in (
        (axes[0], corpus, sorted(set(corpus.tolist())), "corpus"),
        (axes[1], np.asarray([classes[i] for i in labels]), classes, "emotion"),
    ):
        for name in names:
            chosen = values == name
            if chosen.any():
                axis.scatter(points[chosen, 0], points[chosen, 1], s=12, label=name)
        axis.set_title(f"t-SNE of pooled embeddings, by {title}")
        axis.legend(fontsize=8, markerscale=1.5)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def run_plots(run_dir: Path) -> list[Path]:
    """Confusion matrix per corpus, and the t-SNE plot of the best fold's validation and test clips."""
    metrics = RunResult.load(run_dir)
    classes = metrics.classes
    paths = [
        plot_confusion(
            scores.confusion_matrix,
            classes,
            f"{corpus}: WA {100 * scores.accuracy:.1f} %",
            run_dir / f"confusion_{corpus}.png",
        )
        for corpus, scores in metrics.test.items()
    ]
    stored = np.load(run_dir / "embeddings.npz")
    if len(stored["embeddings"]) >= 5:
        paths.append(
            plot_tsne(
                stored["embeddings"],
                stored["corpus"],
                stored["labels"],
                classes,
                run_dir / "tsne.png",
                seed=metrics.seed,
            )
        )
    return paths


def cross_corpus(runs: list[dict]) -> tuple[list[str], list[list]]:
    """WA (%) of single-corpus runs on every corpus' held-out speakers: rows trained on, columns tested on."""
    matrix: dict[str, dict[str, float]] = {}
    for run in runs:
        metrics = run["metrics"]
        if len(metrics.corpora) != 1:
            continue
        scores = {**metrics.test, **metrics.cross_corpus}
        matrix[f"{metrics.corpora[0]} ({run['setup']})"] = {c: 100 * s.accuracy for c, s in scores.items()}
    tested = sorted({c for row in matrix.values() for c in row})
    return ["trained on \\ tested on", *tested], [
        [name, *(row.get(c) for c in tested)] for name, row in sorted(matrix.items())
    ]
