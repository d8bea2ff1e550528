"""Test-set metrics: accuracy overall and per origin, per-class scores, confusion matrix."""

import keras
import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from fer_utils.data.dataset import Split
from fer_utils.labels import EMOTIONS, NUM_CLASSES


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Return (N, 7) float32 class probabilities for (N, H, W, C) uint8 images."""
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0), dtype="float32")


def classification_metrics(labels: np.ndarray, predictions: np.ndarray, origins: np.ndarray | None = None) -> dict:
    """Compute the metrics of integer predictions against integer labels.

    Returns a JSON-ready dict: n, accuracy, accuracy_by_origin (origin -> {n, accuracy};
    empty when origins is None), macro_f1, per_class (emotion -> precision, recall, f1,
    support) and confusion_matrix (7x7 counts, rows true and columns predicted, both in
    EMOTIONS order). Classes without support get precision and recall 0.
    """
    labels = np.asarray(labels)
    predictions = np.asarray(predictions)
    correct = labels == predictions
    by_origin = {}
    if origins is not None:
        for origin in sorted(set(origins.tolist())):
            mask = origins == origin
            by_origin[origin] = {"n": int(mask.sum()), "accuracy": float(correct[mask].mean())}
    classes = list(range(NUM_CLASSES))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predictions, labels=classes, zero_division=0
    )
    per_class = {
        name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(EMOTIONS, precision, recall, f1, support)
    }
    return {
        "n": int(len(labels)),
        "accuracy": float(correct.mean()),
        "accuracy_by_origin": by_origin,
        "macro_f1": float(f1_score(labels, predictions, labels=classes, average="macro", zero_division=0)),
        "per_class": per_class,
        "confusion_matrix": confusion_matrix(labels, predictions, labels=classes).tolist(),
    }


def evaluate(model: keras.Model, split: Split, batch_size: int = 256) -> tuple[dict, np.ndarray]:
    """Evaluate a model on a split; return (metrics, (N, 7) probabilities).

    The metrics are those of classification_metrics, with accuracy per origin
    (PublicTest and PrivateTest for FER-2013's test split).
    """
    probabilities = predict_probabilities(model, split.images, batch_size)
    metrics = classification_metrics(split.labels, probabilities.argmax(axis=1), split.origins)
    return metrics, probabilities
