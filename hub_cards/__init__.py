"""Model- and dataset-card templates for the Hub, rendered with huggingface_hub's `ModelCard` / `DatasetCard`."""

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from huggingface_hub import DatasetCard, DatasetCardData, EvalResult, ModelCard, ModelCardData

from whisper_ser.data.corpora import corpus_facts

if TYPE_CHECKING:
    from whisper_ser.recipes.results import RunResult

TEMPLATES = Path(__file__).parent
METRICS = {"accuracy": "WA (accuracy)", "unweighted_accuracy": "UA (balanced accuracy)", "macro_f1": "macro-F1"}
TAGS = ["audio-classification", "speech-emotion-recognition", "whisper", "whisper-ser"]


def base_model_id(model_name_or_path: str) -> str | None:
    """The Hub id a run started from: `bundled:tiny.en` is `openai/whisper-tiny.en`; a local folder has none."""
    if model_name_or_path.startswith("bundled:"):
        return f"openai/whisper-{model_name_or_path.split(':', 1)[1]}"
    return None if Path(model_name_or_path).expanduser().exists() else model_name_or_path


def corpus_info(corpora, versions: dict[str, str] | None = None) -> list[dict]:
    return [
        {
            "name": name,
            "title": corpus_facts(name)["title"],
            "license": corpus_facts(name)["license"],
            "version": (versions or {}).get(name, corpus_facts(name)["version"]),
            "audio": corpus_facts(name)["redistributable"],
        }
        for name in corpora
    ]


def model_card(metrics: "RunResult", repo_id: str, images: list[str], license: str = "cc-by-nc-4.0") -> ModelCard:
    """The model card of a finished run: one model-index result per corpus and metric."""
    base = base_model_id(metrics.model_name_or_path)
    results = [
        EvalResult(task_type="audio-classification", task_name="Speech emotion recognition",
                   dataset_type=corpus, dataset_name=f"{corpus_facts(corpus)['title']} (held-out speakers)",
                   dataset_split="test", metric_type=metric, metric_name=name,
                   metric_value=round(getattr(scores, metric), 4))
        for corpus, scores in sorted(metrics.test.items()) for metric, name in METRICS.items()
    ]  # fmt: skip
    data = ModelCardData(
        model_name=repo_id.split("/")[-1], base_model=base, library_name="transformers",
        pipeline_tag="audio-classification", license=license, language=["en"], tags=TAGS,
        datasets=sorted(metrics.test), eval_results=results,
    )  # fmt: skip
    rows = [
        {"corpus": corpus, "speakers": ", ".join(metrics.test_speakers.get(corpus, [])), **asdict(scores)}
        for corpus, scores in sorted(metrics.test.items())
    ]
    cv_note = (
        "validation folds shared speakers with training, as in the paper"
        if metrics.cv == "paper"
        else "validation folds are speaker-disjoint from training"
    )
    stock_input = metrics.model_args.get("feature_padding") == "stock_30s"
    return ModelCard.from_template(
        data, template_path=TEMPLATES / "model_card.md", repo_id=repo_id, model_name=repo_id.split("/")[-1],
        base_model=base or "Whisper",
        corpora=[corpus_facts(c)["title"] for c in metrics.corpora], classes=metrics.classes, results=rows,
        mean=metrics.mean, folds=len(metrics.folds), images=images, view=metrics.view,
        balance=metrics.balance, seed=metrics.seed, pooling=metrics.model_args["pooling"],
        hidden_sizes=metrics.model_args["classifier_hidden_sizes"], flags=metrics.flags, cv_note=cv_note,
        stock_input=stock_input, batching="every clip padded to 30 s" if stock_input else "padding-free batches",
        corpus_info=corpus_info(metrics.corpora, metrics.corpus_versions),
    )  # fmt: skip


def dataset_card(corpora: list[str], pretty_name: str, with_audio: list[str]) -> DatasetCard:
    """The card of the combined benchmark: manifests, metadata and results, audio only where allowed."""
    data = DatasetCardData(
        pretty_name=pretty_name, language=["en"], license="other", license_name="per-corpus",
        license_link="LICENSE.md", task_categories=["audio-classification"], tags=TAGS,
        size_categories=["10K<n<100K"],
    )  # fmt: skip
    audio_note = (
        f"Audio files of {', '.join(with_audio)} are included under `audio/`, as their licences allow."
        if with_audio
        else "This repository holds no audio."
    )
    info = [{**entry, "audio": entry["name"] in with_audio} for entry in corpus_info(corpora)]
    return DatasetCard.from_template(
        data,
        template_path=TEMPLATES / "dataset_card.md",
        pretty_name=pretty_name,
        corpora=[corpus_facts(c)["title"] for c in corpora],
        corpus_info=info,
        audio_note=audio_note,
    )
