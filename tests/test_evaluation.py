import numpy as np
import pytest

from fer_utils.evaluation import classification_metrics
from fer_utils.labels import EMOTIONS


def test_metrics_on_known_predictions():
    labels = np.array([0, 0, 3, 3, 6, 6])
    predictions = np.array([0, 3, 3, 3, 6, 0])
    origins = np.array(["PublicTest", "PublicTest", "PublicTest", "PrivateTest", "PrivateTest", "PrivateTest"])
    metrics = classification_metrics(labels, predictions, origins)

    assert metrics["n"] == 6
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["accuracy_by_origin"]["PublicTest"] == {"n": 3, "accuracy": pytest.approx(2 / 3)}
    assert metrics["accuracy_by_origin"]["PrivateTest"] == {"n": 3, "accuracy": pytest.approx(2 / 3)}
    assert metrics["per_class"]["angry"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert metrics["per_class"]["happy"]["precision"] == pytest.approx(2 / 3)
    assert metrics["per_class"]["happy"]["recall"] == 1.0
    assert metrics["per_class"]["disgust"]["support"] == 0


def test_confusion_matrix_rows_true_columns_predicted():
    metrics = classification_metrics(np.array([0, 3, 3]), np.array([3, 3, 3]))
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (len(EMOTIONS), len(EMOTIONS))
    assert matrix[0, 3] == 1
    assert matrix[3, 3] == 2
    assert matrix.sum() == 3


def test_macro_f1_averages_all_seven_classes():
    labels = np.arange(7)
    metrics = classification_metrics(labels, labels)
    assert metrics["macro_f1"] == 1.0
    half = classification_metrics(np.array([0, 1]), np.array([0, 1]))
    assert half["macro_f1"] == pytest.approx(2 / 7)
