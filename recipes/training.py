"""One experiment of the paper: load and combine corpora, split (or reload a manifest), balance the training
split, fine-tune with the HF Trainer per fold, select on validation, score every corpus' held-out speakers,
and average the folds. The recipe scripts only parse arguments and call `run_experiment`."""

import json
import shutil
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path

import datasets
import evaluate
import numpy as np
import torch
from torch.utils.data import DataLoader, SequentialSampler
from transformers import Trainer, WhisperFeatureExtractor, set_seed
from transformers.trainer_pt_utils import LengthGroupedSampler
from transformers.utils import logging

from whisper_ser import SER_METRICS_PATH, __version__
from whisper_ser.backbones import resolve_model_path
from whisper_ser.data import load_corpus
from whisper_ser.data.augment import AugmentConfig
from whisper_ser.data.balance import INTERPOLATING, clip_features, plan_balance
from whisper_ser.data.builder import SAMPLING_RATE
from whisper_ser.data.combine import combine_corpora
from whisper_ser.data.labels import id2label
from whisper_ser.data.protocol import Metadata, load_manifest, make_splits, save_manifest, select_role
from whisper_ser.data.waveforms import (
    LOGMEL_STATS,
    WAVEFORM,
    BalancedTrainingSet,
    FrameBudgetBatchSampler,
    decoded_corpus,
    waveforms,
)
from whisper_ser.modeling import WhisperEmotionFeatureExtractor, WhisperForEmotionClassification

from .arguments import DataArguments, ModelArguments, SERTrainingArguments, feature_device
from .results import METRICS, CorpusScores, FoldResult, HeldOutClips, RunRecord, RunResult
from .run_folder import last_complete_checkpoint, open_run_folder, record_files, resolved_config
from .statistics import corpus_intervals

logger = logging.get_logger(__name__)

FOLD_RESULT = "fold_result.json"
EMBEDDINGS = "embeddings.npz"
UTTERANCES = "utterances.parquet"


class SERCollator:
    """Ready waveforms (`{"waveform", "label"}` rows) -> Whisper features, extracted on `device`: padding-free with
    [`WhisperEmotionFeatureExtractor`]; its `padding="max_length"` costs stock Whisper's 30-s compute with the
    padding masked (for timings); a stock `WhisperFeatureExtractor` gives stock Whisper's input itself (see
    `run_extractor`). With features on an accelerator, [`SERTrainer`] runs `batch` in the loader workers and
    `features` in the training process, on its own GPU."""

    def __init__(self, extractor: WhisperFeatureExtractor, padding: str = "longest", device: str = "cpu"):
        self.extractor, self.padding, self.device = extractor, padding, device

    def batch(self, rows: list[dict]) -> dict:
        """The rows as one batch of labels and waveforms, before features (labels first: the Trainer reads the batch
        size from a batch's first tensor)."""
        return {
            "labels": torch.tensor([int(row["label"]) for row in rows], dtype=torch.long),
            WAVEFORM: [np.asarray(row[WAVEFORM], dtype=np.float32) for row in rows],
        }

    def features(self, batch: dict) -> dict[str, torch.Tensor]:
        """A batch of waveforms -> model inputs (`input_features`, `attention_mask` where masked, `labels`)."""
        features = self.extractor(
            batch[WAVEFORM], sampling_rate=SAMPLING_RATE, return_tensors="pt", padding=self.padding, device=self.device
        )
        return {**features, "labels": batch["labels"]}

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        return self.features(self.batch(rows))


class SERTrainer(Trainer):
    """`Trainer` whose training batches come from the clips' known lengths: length-grouped fixed-size batches
    (`train_sampling_strategy: group_by_length`) or batches filled to `frame_budget` feature frames. With an
    [`SERCollator`] on an accelerator, the loader (and its workers) yields waveforms and each step extracts their
    features on the GPU (`_prepare_inputs`), so workers never touch CUDA."""

    def __init__(self, *args, frame_budget: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.frame_budget = frame_budget
        self.feature_step = None
        if isinstance(self.data_collator, SERCollator) and self.data_collator.device != "cpu":
            self.feature_step, self.data_collator = self.data_collator.features, self.data_collator.batch

    def _prepare_inputs(self, inputs: dict) -> dict:
        if self.feature_step is not None and WAVEFORM in inputs:
            inputs = self.feature_step(inputs)
        return super()._prepare_inputs(inputs)

    def _get_train_sampler(self, train_dataset=None):
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if self.frame_budget:
            return FrameBudgetBatchSampler(dataset.lengths, self.frame_budget, seed=self.args.seed)
        if self.args.train_sampling_strategy == "group_by_length":
            generator = torch.Generator().manual_seed(self.args.seed)
            batch = self.args.train_batch_size * self.args.gradient_accumulation_steps
            return LengthGroupedSampler(batch, lengths=dataset.lengths, generator=generator)
        return super()._get_train_sampler(train_dataset)

    def _get_eval_sampler(self, eval_dataset):
        """In order: predictions are matched to rows by position (never length-grouped for evaluation)."""
        if eval_dataset is None or self.args.world_size > 1:
            return None
        return SequentialSampler(eval_dataset)

    def get_train_dataloader(self) -> DataLoader:
        if not self.frame_budget:
            return super().get_train_dataloader()
        loader = DataLoader(
            self.train_dataset,
            batch_sampler=self._get_train_sampler(),
            collate_fn=self.data_collator,
            num_workers=self.args.dataloader_num_workers,
            pin_memory=self.args.dataloader_pin_memory,
            persistent_workers=self.args.dataloader_persistent_workers and self.args.dataloader_num_workers > 0,
        )
        return self.accelerator.prepare(loader)


def load_corpora(specs, data_args: DataArguments) -> dict[str, datasets.Dataset]:
    """Each corpus loaded and decoded once (both cached; a later run, fold or epoch reads the caches)."""
    return {
        spec.name: decoded_corpus(
            load_corpus(spec.name, spec.data_dir, cache_dir=data_args.corpus_cache_dir), data_args.decode_num_proc
        )
        for spec in specs
    }


def load_data(data_args: DataArguments, seed: int):
    """Load and combine the corpora; splits from the manifest when given, else from the protocol."""
    corpora = load_corpora(data_args.specs, data_args)
    combined, report = combine_corpora(corpora, data_args.view, data_args.min_duration, data_args.max_duration)
    versions = {name: str(dataset.info.version) for name, dataset in corpora.items()}
    if data_args.manifest:
        plan = load_manifest(data_args.manifest)
    else:
        plan = make_splits(
            Metadata.from_dataset(combined),
            seed=seed,
            cv=data_args.cv,
            corpus_versions=versions,
            test_speakers=data_args.test_speakers,
        )
    extra = {}
    for spec in data_args.test_specs:  # cross-corpus scoring: held-out speakers of corpora not trained on
        other, _ = combine_corpora(
            load_corpora([spec], data_args),
            data_args.view,
            data_args.min_duration,
            data_args.max_duration,
        )
        meta = Metadata.from_dataset(other)
        test_ids = set(make_splits(meta, seed=seed, test_speakers=data_args.test_speakers).test)
        extra[spec.name] = _in_label_space(
            other.select([i for i, utt in enumerate(other["id"]) if utt in test_ids]),
            combined.features["label"].names,
            spec.name,
        )
    return combined, report, plan, extra


def _in_label_space(rows: datasets.Dataset, classes: list[str], corpus: str) -> datasets.Dataset:
    """Rows of another corpus relabelled into the trained model's classes; classes it lacks are dropped."""
    names = rows.features["label"].names
    keep = [i for i, label in enumerate(rows["label"]) if names[label] in classes]
    if len(keep) < len(rows):
        logger.warning(
            f"{corpus}: {len(rows) - len(keep)} held-out clips of classes the model does not know "
            f"({sorted(set(names) - set(classes))}) are left out of cross-corpus scoring."
        )
    rows = rows.select(keep)
    relabelled = [classes.index(names[label]) for label in rows["label"]]
    return (
        rows.remove_columns("label")
        .add_column("label", relabelled)
        .cast_column("label", datasets.ClassLabel(names=list(classes)))
    )


def _balance_features(train: datasets.Dataset, representation: str) -> np.ndarray:
    """The neighbour-search rows of the training clips, read from the decode-once cache."""
    if representation == "logmel":
        return np.asarray(train.select_columns([LOGMEL_STATS]).with_format("numpy")[LOGMEL_STATS], dtype=np.float32)
    return clip_features(waveforms(train)[WAVEFORM], representation=representation)


def score(predictions: np.ndarray, rows: datasets.Dataset, metric, num_labels: int) -> dict[str, CorpusScores]:
    """Per-corpus metrics (and clip counts) of predicted class ids against the rows' labels."""
    by_corpus = defaultdict(list)
    for i, corpus in enumerate(rows["corpus"]):
        by_corpus[corpus].append(i)
    labels = np.asarray(rows["label"])
    out = {}
    for corpus, idx in sorted(by_corpus.items()):
        result = metric.compute(
            predictions=predictions[idx].tolist(), references=labels[idx].tolist(), num_labels=num_labels
        )
        out[corpus] = CorpusScores(**{name: result[name] for name in (*METRICS, "confusion_matrix")}, n=len(idx))
    return out


def average_folds(fold_scores: list[dict[str, CorpusScores]]) -> dict[str, CorpusScores]:
    """Per corpus: metrics averaged over folds weighted by test clips, confusion matrices summed."""
    out = {}
    for corpus in sorted({c for scores in fold_scores for c in scores}):
        entries = [scores[corpus] for scores in fold_scores if corpus in scores]
        weights = np.array([e.n for e in entries], dtype=float)
        out[corpus] = CorpusScores(
            **{name: float(np.average([getattr(e, name) for e in entries], weights=weights)) for name in METRICS},
            n=int(entries[0].n),
            folds=len(entries),
            confusion_matrix=np.sum([e.confusion_matrix for e in entries], axis=0).tolist(),
        )
    return out


def run_extractor(model_args: ModelArguments) -> tuple[WhisperFeatureExtractor, str]:
    """The feature extractor a run trains, scores and saves with, and its padding: padding-free masked features,
    or with `feature_padding: stock_30s` stock Whisper's input (the audio zero-padded to 30 s, no mask)."""
    path = resolve_model_path(model_args.model_name_or_path)
    if model_args.feature_padding == "stock_30s":
        stock = WhisperFeatureExtractor.from_pretrained(path, return_attention_mask=False)
        vars(stock).pop("auto_map", None)  # a whisper-ser checkpoint's would name our extractor for Auto loading
        return stock, "max_length"
    return WhisperEmotionFeatureExtractor.from_pretrained(path), "longest"


def build_model(model_args: ModelArguments, classes: list[str]) -> WhisperForEmotionClassification:
    path = resolve_model_path(model_args.model_name_or_path)
    return WhisperForEmotionClassification.from_pretrained(
        path,
        id2label=id2label(classes),
        label2id={name: i for i, name in id2label(classes).items()},
        pooling=model_args.pooling,
        classifier_hidden_sizes=model_args.classifier_hidden_sizes,
        classifier_dropout=model_args.classifier_dropout,
        freeze_encoder=model_args.freeze_encoder,
        dtype=torch.float32,
    )


def run_fold(
    fold: int, combined, plan, extra, classes, model_args, data_args, augment, training_args, record: RunRecord
) -> FoldResult:
    """Train one fold (resuming from its last complete checkpoint), select on validation, score the test
    speakers. A fold finished earlier under the same config is reused."""
    output = Path(training_args.output_dir)
    fold_dir = output / f"fold_{fold}"
    if (fold_dir / FOLD_RESULT).is_file():
        result = FoldResult.load(fold_dir / FOLD_RESULT)
        if result.config_hash == record.config_hash:
            logger.info(f"Fold {fold}: finished earlier, reusing {fold_dir / FOLD_RESULT}.")
            return result
    if training_args.process_index == 0:
        record_files(output, record, [fold_dir.name])
    set_seed(training_args.seed + fold)
    train = select_role(combined, plan, fold, "train")
    validation = select_role(combined, plan, fold, "validation")
    test = select_role(combined, plan, fold, "test")
    interpolating = data_args.balance in INTERPOLATING
    features = _balance_features(train, data_args.balance_representation) if interpolating else None
    balance = plan_balance(
        train["label"], data_args.balance, seed=training_args.seed + fold, features=features, classes=len(classes)
    )
    train_rows = BalancedTrainingSet(train, balance, augment, seed=training_args.seed + fold)
    logger.info(
        f"Fold {fold}: {len(train)} training clips -> {len(train_rows)} after {data_args.balance} "
        f"{balance.counts()}; {len(validation)} validation; {len(test)} test."
    )

    extractor, padding = run_extractor(model_args)
    metric = evaluate.load(SER_METRICS_PATH)

    def compute_metrics(prediction):
        logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        result = metric.compute(
            predictions=logits.argmax(-1).tolist(), references=prediction.label_ids.tolist(), num_labels=len(classes)
        )
        return {name: result[name] for name in METRICS}

    fold_args = replace(training_args, output_dir=str(fold_dir), seed=training_args.seed + fold)
    trainer = SERTrainer(
        model=build_model(model_args, classes),
        args=fold_args,
        train_dataset=train_rows,
        eval_dataset=waveforms(validation),
        data_collator=SERCollator(extractor, padding, feature_device(data_args.feature_device, training_args.device)),
        compute_metrics=compute_metrics,
        frame_budget=data_args.frame_budget,
    )
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint or last_complete_checkpoint(fold_dir))
    validation_metrics = trainer.evaluate()

    outputs = {"test": test, "validation": validation, **{f"cross:{name}": rows for name, rows in extra.items()}}
    held_out = {}
    scores: dict[str, dict[str, CorpusScores]] = {"test": {}, "cross": {}}
    for role, rows in outputs.items():
        predicted = trainer.predict(waveforms(rows))
        logits, embeddings = predicted.predictions[0], predicted.predictions[1]
        if role == "test":
            predictions = logits.argmax(-1).tolist()
            columns = (list(rows[name]) for name in ("id", "corpus", "speaker", "label"))
            clips = HeldOutClips(*columns, predictions)
        if role in ("test", "validation"):
            held_out[role] = (embeddings, np.asarray(rows["label"]), np.asarray(rows["corpus"]), logits.argmax(-1))
        if role != "validation":
            scores["test" if role == "test" else "cross"].update(score(logits.argmax(-1), rows, metric, len(classes)))
    result = FoldResult(
        fold=fold,
        validation={k: float(v) for k, v in validation_metrics.items()},
        balance_counts={classes[k]: v for k, v in balance.counts().items()},
        global_step=trainer.state.global_step,
        test=scores["test"],
        cross=scores["cross"],
        config_hash=record.config_hash,
        clips=clips,
    )
    if trainer.is_world_process_zero():  # pooled embeddings of every clip the fold did not train on (t-SNE)
        roles = list(held_out)
        np.savez_compressed(
            fold_dir / EMBEDDINGS,
            **{
                key: np.concatenate([held_out[r][i] for r in roles])
                for i, key in enumerate(("embeddings", "labels", "corpus", "predictions"))
            },
            role=np.concatenate([[r] * len(held_out[r][1]) for r in roles]),
        )
    trainer.save_model(str(fold_dir / "model"))  # on every rank: FSDP/DeepSpeed gather the weights
    if trainer.is_world_process_zero():
        extractor.save_pretrained(fold_dir / "model")
        result.save(fold_dir / FOLD_RESULT)
    trainer.accelerator.wait_for_everyone()
    return result


def best_fold(results: list[FoldResult], training_args: SERTrainingArguments) -> tuple[FoldResult, str]:
    """The fold whose kept checkpoint is best on `metric_for_best_model` (the metric the checkpoints follow)."""
    name = training_args.metric_for_best_model or "loss"
    key = name if name.startswith("eval_") else f"eval_{name}"
    missing = [r.fold for r in results if key not in r.validation]
    if missing:
        raise ValueError(f"`metric_for_best_model` {name!r}: folds {missing} have no {key!r} in their validation.")
    greater = training_args.greater_is_better if training_args.greater_is_better is not None else "loss" not in key
    pick = max if greater else min
    return pick(results, key=lambda r: r.validation[key]), key


def run_experiment(
    model_args: ModelArguments, data_args: DataArguments, augment: AugmentConfig, training_args: SERTrainingArguments
) -> RunResult:
    """Every fold of one experiment; writes `metrics.json`, `splits.json` and `model/` to `output_dir`, which
    records the config that made it (`run_config.json`)."""
    output = Path(training_args.output_dir)
    main = training_args.process_index == 0
    config = resolved_config(model_args, data_args, augment, training_args)
    with training_args.main_process_first(local=False, desc="run folder"):
        record = open_run_folder(output, config, __version__, training_args.overwrite_output_dir, main)
    combined, report, plan, extra = load_data(data_args, training_args.seed)
    classes = list(combined.features["label"].names)
    if main:
        save_manifest(plan, output / "splits.json")
        utterances = combined.select_columns(["id", "corpus", "speaker", "label", "duration"])
        utterances.map(lambda label: {"emotion": classes[label]}, input_columns="label").remove_columns(
            "label"
        ).to_parquet(str(output / UTTERANCES))
        (output / "combine_report.json").write_text(json.dumps(report.to_dict(), indent=1))
        record_files(output, record, ["splits.json", UTTERANCES, "combine_report.json"])
    folds = data_args.folds if data_args.folds is not None else list(range(len(plan.folds)))
    unknown = [f for f in folds if not 0 <= f < len(plan.folds)]
    if unknown:
        raise ValueError(f"`folds` {unknown} out of range: this split has {len(plan.folds)} folds.")
    results = [
        run_fold(f, combined, plan, extra, classes, model_args, data_args, augment, training_args, record)
        for f in folds
    ]
    best, selection_metric = best_fold(results, training_args)
    test = average_folds([r.test for r in results])
    for corpus, ci in corpus_intervals(results, len(classes), training_args.seed).items():
        test[corpus] = replace(test[corpus], **ci)
    metrics = RunResult(
        view=data_args.view, classes=classes, balance=data_args.balance, cv=plan.cv,
        corpora=[spec.name for spec in data_args.specs], flags=plan.flags, seed=training_args.seed,
        model_name_or_path=model_args.model_name_or_path, model_args=asdict(model_args),
        world_size=training_args.world_size,
        data_dirs={spec.name: str(spec.data_dir) for spec in data_args.specs},
        corpus_versions=plan.corpus_versions,
        test_speakers={c: info["test_speakers"] for c, info in plan.corpora.items()},
        folds=results, best_fold=best.fold, selection_metric=selection_metric, test=test,
        mean={name: float(np.mean([getattr(v, name) for v in test.values()])) for name in METRICS},
        cross_corpus=average_folds([r.cross for r in results]),
        config_hash=record.config_hash, code_version=__version__,
    )  # fmt: skip
    if main:
        _publish_best_model(output, best.fold, record)
        metrics.save(output / "metrics.json")
        record_files(output, record, ["model", EMBEDDINGS, "metrics.json"])
    return metrics


def _publish_best_model(output: Path, fold: int, record: RunRecord) -> None:
    """`model/` and `embeddings.npz` from the best fold; a `model/` is replaced only when this run folder's record
    says a run wrote it (`open_run_folder` refuses folders with outputs it did not write)."""
    target = output / "model"
    if target.exists():
        if "model" not in record.files:
            raise ValueError(f"{target} exists and was not written by this run folder's runs; it is left alone.")
        shutil.rmtree(target)
    shutil.copytree(output / f"fold_{fold}" / "model", target)
    shutil.copy(output / f"fold_{fold}" / EMBEDDINGS, output / EMBEDDINGS)
