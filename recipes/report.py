"""Reports of finished runs: the paper's Table 3 (CSV and Markdown, the paper's figures alongside), confusion
matrices, a t-SNE of the pooled embeddings, and the cross-corpus matrix."""

import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402

from whisper_ser.recipes.results import RunResult  # noqa: E402
from whisper_ser.recipes.statistics import held_out_arrays, paired_difference  # noqa: E402

SETUPS = ("4", "5", "N")
COLUMNS = ("DS", "UN", "SM", "AD", "Tr.Sep")


def table3(runs: list[dict], paper: dict[str, dict[str, float]] | None = None) -> tuple[list[str], list[list]]:
    """Rows: corpora and Mean; per column `setup/column` (e.g. `4/SM`) three values: WA on the held-out speakers
    (%), its 95 % bootstrap interval (`[low, high]` in %, or None) and the paper's figure when known.
    `runs`: {"setup", "column", "metrics": RunResult} per finished run."""
    cells: dict[tuple[str, str], tuple[float, list[float] | None]] = {}
    for run in runs:
        key, test = f"{run['setup']}/{run['column']}", run["metrics"].test
        for corpus, scores in test.items():
            if run["column"] != "Tr.Sep" or run["metrics"].corpora == [corpus]:
                ci = [100 * bound for bound in scores.accuracy_ci] if scores.accuracy_ci else None
                cells[(corpus, key)] = (100 * scores.accuracy, ci)
    paper = paper or {}
    keys = [f"{s}/{c}" for s in SETUPS for c in COLUMNS if any(k == f"{s}/{c}" for _, k in cells)]
    corpora = sorted({corpus for corpus, _ in cells})
    header = ["corpus"] + [name for key in keys for name in (key, f"{key} 95% CI", f"{key} paper")]
    rows = []
    for corpus in corpora:
        row = [corpus]
        for key in keys:
            ours, ci = cells.get((corpus, key), (None, None))
            row += [ours, ci, paper.get(corpus, {}).get(key)]
        rows.append(row)
    means = ["Mean"]
    for key in keys:
        ours = [cells[(c, key)][0] for c in corpora if (c, key) in cells]
        theirs = [paper[c][key] for c in corpora if key in paper.get(c, {}) and (c, key) in cells]
        means += [float(np.mean(ours)) if ours else None, None, float(np.mean(theirs)) if theirs else None]
    rows.append(means)
    return header, rows


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return f"[{value[0]:.1f}, {value[1]:.1f}]"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def write_table3(header: list[str], rows: list[list], output: Path) -> tuple[Path, Path]:
    output.mkdir(parents=True, exist_ok=True)
    with (output / "table3.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[_fmt(v) for v in row] for row in rows])
    keys = header[1::3]
    lines = ["| corpus | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for row in rows:
        triples = zip(row[1::3], row[2::3], row[3::3], strict=True)
        cells = [
            f"{_fmt(ours) or '–'}"
            + (f" {_fmt(ci)}" if ci is not None else "")
            + (f" ({_fmt(theirs)})" if theirs is not None else "")
            for ours, ci, theirs in triples
        ]
        name = f"**{row[0]}**" if row[0] == "Mean" else row[0]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    note = (
        "WA (%) on each corpus' held-out test speaker(s), averaged over folds, with its 95 % bootstrap interval "
        "in brackets (speakers resampled where several are held out, else clips); the paper's Table 3 figure in "
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


PAIRS = (("DS", "UN"), ("DS", "SM"), ("DS", "AD"), ("UN", "SM"), ("UN", "AD"), ("Tr.Sep", "UN"))
"""(first, second) columns compared per setup: the difference is second - first. The paper claims SMOTE and the
original distribution beat downsampling, and combined training (UN) beats a corpus alone (Tr.Sep)."""
CLAIMS = {("DS", "UN"): "original beats downsampling", ("DS", "SM"): "SMOTE beats downsampling",
          ("Tr.Sep", "UN"): "combined beats separate"}  # fmt: skip


def _aligned(run, corpus: str, ids: list[str], names: list[str]):
    """A run's labels and per-fold predictions of `ids`, as indices into the shared class `names`."""
    metrics = run["metrics"]
    own, labels, speakers, predictions = held_out_arrays(metrics.folds, corpus)
    position = {clip: k for k, clip in enumerate(own)}
    take = np.array([position[clip] for clip in ids])
    index = np.array([names.index(name) for name in metrics.classes])
    return index[labels[take]], speakers[take], [index[p[take]] for p in predictions]


def comparisons(runs: list[dict], seed: int = 0) -> list[dict]:
    """Paired bootstrap comparisons of runs of the same setup on each corpus' common held-out clips."""
    by_key = {(run["setup"], run["column"]): run for run in runs if run["column"] != "Tr.Sep"}
    separate = {(run["setup"], run["metrics"].corpora[0]): run for run in runs if run["column"] == "Tr.Sep"}
    rows = []
    for setup in SETUPS:
        for first_column, second_column in PAIRS:
            second = by_key.get((setup, second_column))
            if second is None:
                continue
            if first_column == "Tr.Sep":
                firsts = [(run, [corpus]) for (s, corpus), run in separate.items() if s == setup]
            elif (setup, first_column) in by_key:
                firsts = [(by_key[(setup, first_column)], sorted(by_key[(setup, first_column)]["metrics"].test))]
            else:
                continue
            for first, corpora in firsts:
                for corpus in corpora:
                    if corpus not in second["metrics"].test:
                        continue
                    common = sorted(
                        set(held_out_arrays(first["metrics"].folds, corpus)[0])
                        & set(held_out_arrays(second["metrics"].folds, corpus)[0])
                    )
                    if not common:
                        continue
                    names = sorted(set(first["metrics"].classes) | set(second["metrics"].classes))
                    labels, speakers, a = _aligned(first, corpus, common, names)
                    labels_b, _, b = _aligned(second, corpus, common, names)
                    if not np.array_equal(labels, labels_b):
                        raise ValueError(f"{corpus}: the two runs label the same clips differently.")
                    result = paired_difference(labels, a, b, speakers, len(names), seed)
                    rows.append({"setup": setup, "corpus": corpus, "first": first_column, "second": second_column,
                                 "claim": CLAIMS.get((first_column, second_column)), "clips": len(common),
                                 **result})  # fmt: skip
    return rows


def write_comparisons(rows: list[dict], output: Path) -> tuple[Path, Path]:
    """`comparisons.json` and `comparisons.md`: WA difference (points), its interval and p-value per pair and
    corpus, and for each of the paper's claims on how many corpora our runs support it (p < 0.05)."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "comparisons.json").write_text(json.dumps(rows, indent=1))
    lines = ["| setup | corpus | comparison | clips | WA difference (points) | 95 % CI | p |", "|---" * 7 + "|"]
    for row in rows:
        wa = row["accuracy"]
        lines.append(
            f"| {row['setup']} | {row['corpus']} | {row['second']} − {row['first']} | {row['clips']} | "
            f"{100 * wa['difference']:+.2f} | [{100 * wa['ci'][0]:+.1f}, {100 * wa['ci'][1]:+.1f}] | "
            f"{wa['p_value']:.3f} |"
        )
    summary = []
    for (first, second), claim in CLAIMS.items():
        tested = [r for r in rows if (r["first"], r["second"]) == (first, second)]
        if tested:
            supported = sum(r["accuracy"]["difference"] > 0 and r["accuracy"]["p_value"] < 0.05 for r in tested)
            against = sum(r["accuracy"]["difference"] < 0 and r["accuracy"]["p_value"] < 0.05 for r in tested)
            summary.append(
                f"- *{claim}*: supported on {supported} of {len(tested)} corpus comparisons (p < 0.05), "
                f"contradicted on {against}, undecided on {len(tested) - supported - against}."
            )
    note = (
        "Paired bootstrap over the clips both runs scored (speakers resampled where several are held out): "
        "the difference is the second run minus the first; p is two-sided."
    )
    (output / "comparisons.md").write_text("\n".join(lines + ["", note, "", *summary]) + "\n")
    return output / "comparisons.json", output / "comparisons.md"
