"""Speech-emotion-recognition metrics as an `evaluate` module: WA (accuracy), UA (balanced accuracy),
macro-F1 and the confusion matrix, computed by scikit-learn. Load it by path, offline:
`evaluate.load(whisper_ser.SER_METRICS_PATH)`."""

import datasets
import evaluate
from sklearn.metrics import accuracy_score
from sklearn.metrics import balanced_accuracy_score
from sklearn.metrics import confusion_matrix
from sklearn.metrics import f1_score

_DESCRIPTION = """
WA is the paper's "weighted accuracy" (plain accuracy), UA the unweighted (class-balanced) accuracy,
macro-F1 the unweighted mean of per-class F1; the confusion matrix has true classes as rows.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list[int]`): predicted class ids.
    references (`list[int]`): true class ids.
    num_labels (`int`, *optional*): size of the confusion matrix (defaults to the classes seen); macro-F1
        averages over the classes seen in references or predictions.
Returns:
    accuracy (`float`), unweighted_accuracy (`float`), macro_f1 (`float`), confusion_matrix (`list[list[int]]`).
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SerMetrics(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references, num_labels=None):
        seen = sorted(set(references) | set(predictions))
        matrix_labels = list(range(num_labels)) if num_labels else seen
        return {
            "accuracy": float(accuracy_score(references, predictions)),
            "unweighted_accuracy": float(balanced_accuracy_score(references, predictions)),
            "macro_f1": float(f1_score(references, predictions, labels=seen, average="macro", zero_division=0)),
            "confusion_matrix": confusion_matrix(references, predictions, labels=matrix_labels).tolist(),
        }
