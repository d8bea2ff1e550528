"""Pseudo-labelling: train on labelled faces, label the confident unlabelled ones, train on both.

The "unlabelled" pool is carved out of a labelled training split in memory. Its true
labels are stored apart from its images and are read only to score the pseudo-labels,
never for training. The validation split comes from the labelled part alone and the
test split stays untouched, so neither contains a pool image.
"""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from fer_utils import checkpoint
from fer_utils.data import load_dataset, stratified_split, take_subset
from fer_utils.data.dataset import Split
from fer_utils.experiment import ExperimentData, resolve_data_dir
from fer_utils.labels import EMOTIONS, NUM_CLASSES
from fer_utils.params import check_choice, check_fraction, check_max_images
from fer_utils.recipes import PRESETS, Recipe, choose_recipe
from fer_utils.training import CHECKPOINT_DIR

REPORT_EPOCHS = 25
REPORT_PSEUDO_EPOCHS = 10
"""The report's RAF-DB run: 25 epochs on the labelled images, then 10 with pseudo-labels."""

FIXTURE_EPOCHS = 15
FIXTURE_PSEUDO_EPOCHS = 2
"""Quick phases for the synthetic fixture on a CPU (with FIXTURE_RECIPES' batch 8 and Adam at 1e-3).

Phase 1 trains 15 epochs because the improved_se network left chance on the fixture only
at about epoch 7 and passed 80% validation accuracy at epoch 11 (one run on a 2-core
CPU). Phase 2 trains 2, enough to change the test accuracy and to draw both phases.
"""

PSEUDO_LABELS_FILE = "pseudo_labels.csv"


@dataclass(frozen=True)
class UnlabelledPool:
    """Training faces treated as unlabelled: images, with their true labels kept apart.

    images: (M, H, W, C) uint8. files and origins: (M,) str, as in Split.
    hidden_labels: (M,) int64 true classes, for scoring pseudo-labels only; nothing
        that trains a network reads them.
    """

    images: np.ndarray
    files: np.ndarray
    origins: np.ndarray
    hidden_labels: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def class_counts(self) -> dict[str, int]:
        """Return the number of pool images of each true emotion, in EMOTIONS order."""
        counts = np.bincount(self.hidden_labels, minlength=NUM_CLASSES)
        return {name: int(count) for name, count in zip(EMOTIONS, counts)}


@dataclass(frozen=True)
class SemiSupervisedData(ExperimentData):
    """ExperimentData whose training images were divided into labelled ones and an unlabelled pool.

    train and validation contain labelled images only; unlabelled is disjoint from both
    and from the test split.
    """

    unlabelled: UnlabelledPool


@dataclass(frozen=True)
class PseudoLabels:
    """The pool images whose predicted class is confident enough to train on.

    indices: (K,) int64 positions in the pool, ascending. labels: (K,) int64 predicted
    classes. confidences: (K,) float32 predicted probabilities of those classes, each
    >= threshold. pool_size: the number of images the prediction covered.
    """

    indices: np.ndarray
    labels: np.ndarray
    confidences: np.ndarray
    threshold: float
    pool_size: int

    def __len__(self) -> int:
        return len(self.indices)


def hide_labels(split: Split) -> UnlabelledPool:
    """Return a split's images as an unlabelled pool, moving its labels to hidden_labels."""
    return UnlabelledPool(split.images, split.files, split.origins, split.labels)


def prepare_semi_supervised_data(data_dir, *, unlabelled_fraction: float = 0.2, validation_fraction: float = 0.2,
                                 max_train_images: int | None = None, seed: int = 0,
                                 **load_options) -> SemiSupervisedData:
    """Load a dataset and divide its training split in memory: labelled train, validation, pool.

    data_dir None is the bundled fixture in RAF-DB's official layout; any layout that
    load_dataset reads works. max_train_images (None for all) first keeps a stratified
    subset of the training split. Then a stratified unlabelled_fraction of it becomes the
    pool, and a stratified validation_fraction of the rest becomes the validation split.
    Every step is seeded, and nothing on disk is moved or copied. Raises ValueError for a
    fraction outside (0, 1) or a max_train_images outside 1..len(train).
    """
    check_fraction("unlabelled_fraction", unlabelled_fraction)
    check_fraction("validation_fraction", validation_fraction)
    dataset = load_dataset(resolve_data_dir(data_dir, fixture_layout="rafdb_official"), **load_options)
    limit = check_max_images("max_train_images", max_train_images, len(dataset.train))
    training = take_subset(dataset.train, limit, seed=seed)
    labelled, pool = stratified_split(training, fraction=unlabelled_fraction, seed=seed)
    train, validation = stratified_split(labelled, fraction=validation_fraction, seed=seed)
    return SemiSupervisedData(dataset, train, validation, hide_labels(pool))


def choose_phase_recipes(preset: str, *, on_fixture: bool, epochs: int | None = None,
                         pseudo_epochs: int | None = None, batch_size: int | None = None) -> tuple[Recipe, Recipe]:
    """Return the improved_se recipes of the labelled phase and the pseudo-labelled phase.

    Both phases train a fixed number of epochs without early stopping, as the report's
    25 + 10 epochs on RAF-DB did. preset "report" takes the report's optimizer, batch
    size and epoch counts. preset "fixture" takes the quick fixture recipe with
    FIXTURE_EPOCHS and FIXTURE_PSEUDO_EPOCHS, and "auto" picks "fixture" on the bundled
    fixture. epochs, pseudo_epochs and batch_size, when not None, replace the preset's
    values.
    """
    check_choice("preset", preset, PRESETS)
    quick = preset == "fixture" or (preset == "auto" and on_fixture)
    base = choose_recipe("improved_se", "fixture" if quick else "report", on_fixture=on_fixture, batch_size=batch_size)
    labelled = replace(base, patience=None, epochs=epochs or (FIXTURE_EPOCHS if quick else REPORT_EPOCHS))
    pseudo = replace(labelled, epochs=pseudo_epochs or (FIXTURE_PSEUDO_EPOCHS if quick else REPORT_PSEUDO_EPOCHS))
    return labelled, pseudo


def check_first_phase_budget(first_dir: str | Path, second_dir: str | Path, epochs: int) -> None:
    """Raise ValueError if the second phase has begun and `epochs` is not the first phase's count.

    first_dir and second_dir are the output folders that the labelled and the
    pseudo-labelled phase give to training.train. The second phase starts from the first
    phase's final weights and pseudo-labels, so once it has a checkpoint, the first
    phase must keep the epochs it trained (the phases train without early stopping).
    """
    if checkpoint.load_progress(Path(second_dir) / CHECKPOINT_DIR) is None:
        return
    first = checkpoint.load_progress(Path(first_dir) / CHECKPOINT_DIR)
    trained = checkpoint.epochs_trained(first) if first else 0
    if epochs != trained:
        raise ValueError(
            f"{second_dir} contains a pseudo-labelled phase that began after {trained} labelled epochs, "
            f"so epochs={epochs} cannot resume it. Pass epochs={trained}, or choose a new output_dir."
        )


def select_pseudo_labels(probabilities: np.ndarray, threshold: float) -> PseudoLabels:
    """Keep the predictions whose highest class probability is at least `threshold`.

    probabilities: (M, 7) class probabilities of the pool images, rows summing to 1.
    Raises ValueError for another shape or a threshold outside [0, 1].
    """
    probabilities = np.asarray(probabilities, dtype="float32")
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CLASSES:
        raise ValueError(f"probabilities must have shape (M, {NUM_CLASSES}), got {probabilities.shape}.")
    threshold = check_fraction("confidence_threshold", threshold, inclusive=True)
    confidences = probabilities.max(axis=1)
    indices = np.flatnonzero(confidences >= threshold)
    return PseudoLabels(indices, probabilities[indices].argmax(axis=1).astype(np.int64), confidences[indices],
                        threshold, len(probabilities))


def add_pseudo_labels(train: Split, pool: UnlabelledPool, pseudo: PseudoLabels) -> Split:
    """Return the labelled training images followed by the selected pool images with their pseudo-labels.

    Raises ValueError when `pseudo` was selected from a pool of another size.
    """
    if pseudo.pool_size != len(pool):
        raise ValueError(f"The pseudo-labels were selected from {pseudo.pool_size} images, but the pool has {len(pool)}.")
    chosen = pseudo.indices
    return Split(
        np.concatenate([train.images, pool.images[chosen]]),
        np.concatenate([train.labels, pseudo.labels]),
        np.concatenate([train.files, pool.files[chosen]]),
        np.concatenate([train.origins, pool.origins[chosen]]),
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def score_pseudo_labels(pseudo: PseudoLabels, pool: UnlabelledPool) -> dict:
    """Compare the pseudo-labels with the pool's hidden true labels.

    Returns a JSON-ready dict: threshold, pool_size, kept, kept_fraction, accuracy (the
    fraction of kept pseudo-labels equal to the true label; None when none was kept) and
    per_class, emotion -> {pool (true images of the class), kept (pseudo-labels of the
    class), correct, accuracy}.
    """
    truth = pool.hidden_labels[pseudo.indices]
    correct = pseudo.labels == truth
    pool_counts = np.bincount(pool.hidden_labels, minlength=NUM_CLASSES)
    kept_counts = np.bincount(pseudo.labels, minlength=NUM_CLASSES)
    correct_counts = np.bincount(pseudo.labels[correct], minlength=NUM_CLASSES)
    per_class = {
        emotion: {
            "pool": int(pool_counts[label]),
            "kept": int(kept_counts[label]),
            "correct": int(correct_counts[label]),
            "accuracy": _ratio(int(correct_counts[label]), int(kept_counts[label])),
        }
        for label, emotion in enumerate(EMOTIONS)
    }
    return {
        "threshold": pseudo.threshold,
        "pool_size": len(pool),
        "kept": len(pseudo),
        "kept_fraction": _ratio(len(pseudo), len(pool)),
        "accuracy": _ratio(int(correct.sum()), len(pseudo)),
        "per_class": per_class,
    }


def pseudo_label_table(score: dict) -> pd.DataFrame:
    """Return score_pseudo_labels' result as a table: one row per emotion, then "all"."""
    table = pd.DataFrame(score["per_class"]).T[["pool", "kept", "correct", "accuracy"]]
    table.loc["all"] = [score["pool_size"], score["kept"], sum(table["correct"]), score["accuracy"]]
    table.index.name = "class"
    return table.astype({"pool": "int64", "kept": "int64", "correct": "int64", "accuracy": "float64"}).round(3)


def record_pseudo_labels(directory: str | Path, pseudo: PseudoLabels, pool: UnlabelledPool) -> Path:
    """Write directory/pseudo_labels.csv: file, pseudo_label, confidence, true_label per kept image.

    The pseudo-labelled phase resumes from its checkpoint, so when the file exists from
    an earlier, interrupted run, its kept files and labels must be the same. If they
    differ, ValueError is raised naming the folder. Returns the file's path.
    """
    path = Path(directory) / PSEUDO_LABELS_FILE
    table = pd.DataFrame({
        "file": pool.files[pseudo.indices],
        "pseudo_label": [EMOTIONS[label] for label in pseudo.labels],
        "confidence": pseudo.confidences.round(4),
        "true_label": [EMOTIONS[label] for label in pool.hidden_labels[pseudo.indices]],
    })
    if path.exists():
        earlier = pd.read_csv(path, dtype={"file": str})
        same = earlier[["file", "pseudo_label"]].equals(table[["file", "pseudo_label"]])
        if not same:
            raise ValueError(
                f"{path.parent} contains a pseudo-labelled phase trained on other pseudo-labels "
                f"({len(earlier)} kept, now {len(table)}). Choose a new output_dir, or keep the "
                "earlier run's confidence_threshold and unlabelled_fraction to resume it."
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def join_phases(first: dict[str, list[float]], second: dict[str, list[float]],
                names: tuple[str, str] = ("labelled only", "with pseudo-labels")) -> tuple[dict, dict[str, int]]:
    """Join two phases' per-epoch histories into one, for plot_training_curves.

    Returns (history, phases): the lists of every key both histories contain, second
    after first, and phase name -> 1-based epoch where the phase starts.
    """
    keys = [key for key in first if key in second]
    history = {key: list(first[key]) + list(second[key]) for key in keys}
    return history, {names[0]: 1, names[1]: len(first["loss"]) + 1}
