"""Figures for a reader who did not run the code: curves, confusion matrix, predictions.

Every function draws on a new figure, returns it and changes no global settings.
"""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from fer_utils.labels import EMOTIONS


def plot_training_curves(history: dict, title: str = "Training curves", phases: dict[str, int] | None = None,
                         kept_epoch: int | None = None):
    """Plot accuracy and loss per epoch, training against validation, with whole-epoch ticks.

    history contains per-epoch lists under loss, accuracy, val_loss and val_accuracy.
    phases optionally maps a phase name to the 1-based epoch where it starts, drawn as
    a vertical line named just above the plot area, clear of the curves (for example
    the pseudo-labelling phase). kept_epoch, the 1-based epoch whose weights the run
    kept (its best epoch under early stopping), is drawn as a dotted vertical line.
    """
    epochs = np.arange(1, len(history["loss"]) + 1)
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for axis, metric, label in ((axes[0], "accuracy", "Accuracy"), (axes[1], "loss", "Loss")):
        axis.plot(epochs, history[metric], marker=".", label="training")
        axis.plot(epochs, history[f"val_{metric}"], marker=".", label="validation")
        for name, start in (phases or {}).items():
            axis.axvline(start - 0.5, color="grey", linestyle="--")
            axis.annotate(name, (start - 0.5, 1.0), xycoords=("data", "axes fraction"), xytext=(2, 2),
                          textcoords="offset points", ha="left", va="bottom", fontsize=9, color="dimgrey")
        if kept_epoch is not None:
            axis.axvline(kept_epoch, color="black", linestyle=":", label=f"kept weights (epoch {kept_epoch})")
        axis.set(xlabel="Epoch", ylabel=label)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_title(label, pad=16 if phases else 6)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    return figure


def plot_confusion_matrix(matrix, title: str = "Confusion matrix", normalize: bool = True):
    """Draw a 7x7 confusion matrix (rows true, columns predicted) as a heatmap.

    With normalize=True each row is divided by its total, so a cell is the fraction
    of that true class predicted as the column's class; the counts stay in the labels.
    """
    counts = np.asarray(matrix, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    if normalize:
        values = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        labels = [[f"{v:.2f}\n({int(c)})" for v, c in zip(*rows)] for rows in zip(values, counts)]
    else:
        values = counts
        labels = [[f"{int(c)}" for c in row] for row in counts]
    figure, axis = plt.subplots(figsize=(8, 6.5), constrained_layout=True)
    sns.heatmap(values, annot=np.array(labels), fmt="", cmap="Blues", vmin=0, vmax=1 if normalize else None,
                xticklabels=EMOTIONS, yticklabels=EMOTIONS, cbar_kws={"label": "fraction of true class" if normalize else "images"}, ax=axis)
    axis.set(xlabel="Predicted emotion", ylabel="True emotion", title=title)
    return figure


def plot_prediction_grid(images, labels, probabilities, rows: int = 4, columns: int = 6, seed: int = 0,
                         title: str = "Test faces: predicted (true)"):
    """Show a random sample of faces titled "predicted (true)"; wrong ones in red.

    images: (N, H, W, C) uint8; labels: (N,) true indexes; probabilities: (N, 7).
    """
    count = min(rows * columns, len(images))
    chosen = np.random.default_rng(seed).choice(len(images), size=count, replace=False)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.9, rows * 2.2), constrained_layout=True)
    for axis in np.ravel(axes):
        axis.axis("off")
    for axis, index in zip(np.ravel(axes), chosen):
        predicted = int(np.argmax(probabilities[index]))
        wrong = predicted != labels[index]
        image = images[index]
        axis.imshow(image.squeeze(-1) if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=255)
        axis.set_title(f"{EMOTIONS[predicted]} ({EMOTIONS[labels[index]]})" + (" ✗" if wrong else ""),
                       color="tab:red" if wrong else "black", fontsize=9)
    figure.suptitle(title + " — wrong predictions in red")
    return figure
