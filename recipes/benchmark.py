"""The benchmark runner (a grid of recipe configs -> Table 3, plots, cross-corpus matrix) and the demo job."""

import json
from pathlib import Path

import numpy as np
import yaml
from transformers.utils import logging

from whisper_ser.backbones import resolve_model_path
from whisper_ser.data.protocol import load_manifest, select_role
from whisper_ser.data.waveforms import WAVEFORM, waveforms

from .arguments import SERArgumentParser
from .baselines import (
    egemaps_available,
    egemaps_features,
    frozen_embeddings,
    logistic_predictions,
    mfcc_pitch_features,
)
from .report import comparisons, cross_corpus, run_plots, table3, write_comparisons, write_table3
from .results import RunResult
from .run_folder import is_finished, resolved_config
from .statistics import intervals
from .training import load_data, run_experiment

logger = logging.get_logger(__name__)

CONFIGS = Path(__file__).parent / "configs"


def parse_config(config: Path, output_dir: Path, overrides: list[str] = ()):
    return SERArgumentParser().parse(["--config", str(config), "--output_dir", str(output_dir), *overrides])


def run_grid(grid: Path, output: Path, overrides: list[str] = ()) -> dict:
    """Run (or reuse) every run of a grid YAML, then write Table 3, the cross-corpus matrix and the plots."""
    spec = yaml.safe_load(Path(grid).read_text())
    unknown = sorted(set(spec) - {"runs", "paper"})
    if unknown:
        raise ValueError(f"{grid}: unknown keys {unknown}; a grid has `runs` and `paper`.")
    finished = []
    for run in spec["runs"]:
        missing = {"name", "config", "setup", "column"} - set(run)
        if missing:
            raise ValueError(f"{grid}: run {run} lacks {sorted(missing)}.")
        run_dir = output / run["name"]
        args = parse_config(Path(grid).parent / run["config"], run_dir, overrides)
        if is_finished(run_dir, resolved_config(*args)):
            logger.info(f"{run['name']}: finished earlier with this config, skipped.")
        else:
            run_experiment(*args)
            run_plots(run_dir)
        finished.append({**run, "metrics": RunResult.load(run_dir)})
    header, rows = table3(finished, spec.get("paper"))
    write_table3(header, rows, output)
    compared = comparisons(finished)
    write_comparisons(compared, output)
    cross_header, cross_rows = cross_corpus(finished)
    (output / "cross_corpus.json").write_text(json.dumps({"header": cross_header, "rows": cross_rows}, indent=1))
    return {"table3": rows, "cross_corpus": cross_rows, "comparisons": compared}


def baselines(run_dir: Path, config: Path, fold: int = 0) -> dict[str, dict]:
    """MFCC + pitch and eGeMAPS logistic regressions and the frozen-embedding probe on the run's own split (one
    fold), beside the fine-tuned model: accuracy on the held-out clips with its 95 % bootstrap interval."""
    model_args, data_args, _, training_args = parse_config(config, run_dir)
    data_args.manifest = str(run_dir / "splits.json")
    combined, _, _, _ = load_data(data_args, training_args.seed)
    plan = load_manifest(run_dir / "splits.json")
    train, test = (select_role(combined, plan, fold, role) for role in ("train", "test"))
    clips = {role: list(waveforms(rows)[WAVEFORM]) for role, rows in (("train", train), ("test", test))}
    labels = {"train": np.asarray(train["label"]), "test": np.asarray(test["label"])}
    speakers, classes = np.asarray(test["speaker"]), len(combined.features["label"].names)
    path = resolve_model_path(model_args.model_name_or_path)
    references = [("mfcc_pitch_logreg", mfcc_pitch_features)]
    if egemaps_available():
        references.append(("egemaps_logreg", egemaps_features))
    else:
        logger.warning('eGeMAPS baseline skipped: openSMILE is not installed (pip install "whisper-ser[egemaps]").')
    references.append(("frozen_embedding_probe", lambda c: frozen_embeddings(path, c, model_args.pooling)))
    predicted = {
        name: logistic_predictions(
            features(clips["train"]), labels["train"], features(clips["test"]), seed=training_args.seed
        )
        for name, features in references
    }
    fine_tuned = next(f for f in RunResult.load(run_dir).folds if f.fold == fold).clips
    by_id = dict(zip(fine_tuned.id, fine_tuned.prediction, strict=True))
    predicted["fine_tuned"] = np.array([by_id[clip] for clip in test["id"]])
    results = {
        name: {
            "accuracy": float((guess == labels["test"]).mean()),
            "accuracy_ci": intervals(labels["test"], [guess], speakers, classes, training_args.seed)["accuracy_ci"],
        }
        for name, guess in predicted.items()
    }
    (run_dir / "baselines.json").write_text(json.dumps(results, indent=1))
    return results


def run_demo(output: Path, config: Path = CONFIGS / "demo.yaml", overrides: list[str] = ()) -> dict:
    """The README's main job: the whole pipeline on the bundled demo corpus with the real tiny.en weights."""
    args = parse_config(config, output, overrides)
    metrics = run_experiment(*args)
    run_plots(output)
    header, rows = table3([{"setup": args[1].view, "column": "Tr.Sep", "metrics": metrics}])
    write_table3(header, rows, output)
    reference = baselines(output, config)
    lines = [
        f"{name:24s} {100 * r['accuracy']:6.2f} %  95 % CI [{100 * r['accuracy_ci'][0]:.1f}, "
        f"{100 * r['accuracy_ci'][1]:.1f}]"
        for name, r in reference.items()
    ]
    summary = "Held-out speaker accuracy (fold 0):\n" + "\n".join(lines)
    (output / "summary.txt").write_text(summary + "\n")
    print(summary)
    return {"metrics": metrics, "baselines": reference}
