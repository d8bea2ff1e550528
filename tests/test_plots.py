import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from fer_utils.labels import EMOTIONS
from fer_utils.plots import plot_confusion_matrix, plot_prediction_grid, plot_training_curves


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _history(epochs):
    falling = list(np.linspace(3.0, 1.0, epochs))
    rising = list(np.linspace(0.2, 0.6, epochs))
    return {"loss": falling, "val_loss": falling, "accuracy": rising, "val_accuracy": rising}


def test_phase_labels_sit_above_the_curves():
    figure = plot_training_curves(_history(35), phases={"labelled only": 1, "with pseudo-labels": 26})
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for axis in figure.axes:
        plot_area = axis.get_window_extent(renderer)
        labels = [text for text in axis.texts if text.get_text() in ("labelled only", "with pseudo-labels")]
        assert len(labels) == 2
        for label in labels:
            box = label.get_window_extent(renderer)
            assert box.y0 >= plot_area.y1
            assert not box.overlaps(axis.title.get_window_extent(renderer))


def test_training_curves_plot_every_epoch():
    figure = plot_training_curves(_history(4))
    accuracy_axis = figure.axes[0]
    training, validation = accuracy_axis.get_lines()
    assert training.get_xdata().tolist() == [1, 2, 3, 4]
    assert validation.get_ydata()[-1] == pytest.approx(0.6)


def test_training_curves_mark_kept_epoch():
    figure = plot_training_curves(_history(15), kept_epoch=13)
    for axis in figure.axes:
        marks = [line for line in axis.get_lines() if line.get_label() == "kept weights (epoch 13)"]
        assert len(marks) == 1
        assert list(marks[0].get_xdata()) == [13, 13]
        assert "kept weights (epoch 13)" in [text.get_text() for text in axis.get_legend().get_texts()]


def test_training_curves_without_kept_epoch_draw_two_lines():
    figure = plot_training_curves(_history(15))
    for axis in figure.axes:
        assert len(axis.get_lines()) == 2


@pytest.mark.parametrize("epochs", [2, 3, 35])
def test_training_curves_tick_whole_epochs(epochs):
    figure = plot_training_curves(_history(epochs))
    figure.canvas.draw()
    for axis in figure.axes:
        ticks = [tick for tick in axis.get_xticks() if axis.get_xlim()[0] <= tick <= axis.get_xlim()[1]]
        assert len(ticks) >= 2
        assert all(float(tick).is_integer() for tick in ticks)


def test_confusion_matrix_normalizes_each_row():
    matrix = np.diag([10, 20, 30, 40, 50, 60, 70])
    matrix[0, 1] = 30
    figure = plot_confusion_matrix(matrix)
    cells = figure.axes[0].collections[0].get_array().reshape(7, 7)
    assert cells[0, 0] == pytest.approx(0.25)
    assert cells[0, 1] == pytest.approx(0.75)
    assert cells[6, 6] == pytest.approx(1.0)
    annotations = [text.get_text() for text in figure.axes[0].texts]
    assert annotations[1] == "0.75\n(30)"


def test_prediction_grid_marks_wrong_red():
    images = np.zeros((2, 48, 48, 1), dtype=np.uint8)
    labels = np.array([0, 3])
    probabilities = np.eye(7)[[0, 4]]
    figure = plot_prediction_grid(images, labels, probabilities, rows=1, columns=2)
    titles = {axis.get_title(): axis.title.get_color() for axis in figure.axes if axis.get_title()}
    assert titles[f"{EMOTIONS[0]} ({EMOTIONS[0]})"] == "black"
    assert titles[f"{EMOTIONS[4]} ({EMOTIONS[3]}) ✗"] == "tab:red"
