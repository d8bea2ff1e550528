"""The steps every training notebook shares: data in, metrics and figures out."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fer_utils.data import load_dataset, stratified_split, take_subset
from fer_utils.data.dataset import Dataset, Split
from fer_utils.data.kaggle import download_kaggle_dataset, is_kaggle_source
from fer_utils.fixtures import fixture_path
from fer_utils.params import check_max_images
from fer_utils.runs import METRICS_FILE, system_info, write_json
from fer_utils.training import TrainingResult


@dataclass(frozen=True)
class ExperimentData:
    """A dataset with its training split divided into train and validation in memory."""

    dataset: Dataset
    train: Split
    validation: Split

    @property
    def test(self) -> Split:
        """The dataset's test split, for the final evaluation only."""
        return self.dataset.test


def resolve_data_dir(data_dir, fixture_layout: str = "fer2013") -> Path:
    """Return data_dir as a Path: for None the bundled synthetic fixture in `fixture_layout`,
    for "kagglehub:<owner>/<name>" the folder kagglehub downloads that dataset into.
    """
    if data_dir is None:
        return fixture_path(fixture_layout)
    if is_kaggle_source(data_dir):
        return download_kaggle_dataset(data_dir)
    return Path(data_dir).expanduser()


def prepare_data(data_dir, *, validation_fraction: float = 0.2, max_train_images: int | None = None,
                 seed: int = 0, **load_options) -> ExperimentData:
    """Load a dataset and carve a seeded, stratified validation split out of its train split.

    max_train_images (None for all) keeps a stratified subset of the training split
    before the validation split is made, for quick runs. Nothing on disk changes.
    """
    dataset = load_dataset(resolve_data_dir(data_dir), **load_options)
    labelled = dataset.train
    if check_max_images("max_train_images", max_train_images, len(labelled)) is not None:
        labelled = take_subset(labelled, max_train_images, seed=seed)
    train, validation = stratified_split(labelled, fraction=validation_fraction, seed=seed)
    return ExperimentData(dataset, train, validation)


def training_summary(result: TrainingResult) -> dict:
    """Return the JSON-ready facts of a training run: epochs, best epoch, timing."""
    history = result.history
    return {
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "resumed_from_epoch": result.resumed_from,
        "best_val_accuracy": float(np.max(history["val_accuracy"])),
        "val_accuracy_at_best_epoch": float(history["val_accuracy"][result.best_epoch - 1]),
        "seconds_per_epoch": result.seconds_per_epoch,
    }


def summarize_test_metrics(test_metrics: dict) -> dict:
    """Return the headline test numbers of evaluate()'s metrics: accuracy, macro-F1, accuracy per origin."""
    summary = {"accuracy": test_metrics["accuracy"], "macro_f1": test_metrics["macro_f1"]}
    summary |= {f"accuracy_{origin}": m["accuracy"] for origin, m in test_metrics["accuracy_by_origin"].items()}
    return summary


def per_class_table(test_metrics: dict) -> pd.DataFrame:
    """Return precision, recall, F1 and support of each emotion as a table, rounded to 3 digits."""
    return pd.DataFrame(test_metrics["per_class"]).T.round(3)


def write_metrics(output_dir: str | Path, *, model_name: str, parameters: dict, data: ExperimentData,
                  test_metrics: dict, training: dict | None = None, **extra) -> Path:
    """Write output_dir/metrics.json: the run's results, data, parameters and machine."""
    content = {
        "model": model_name,
        "dataset": data.dataset.name,
        "data_source": data.dataset.source,
        "split_sizes": {"train": len(data.train), "validation": len(data.validation), "test": len(data.test)},
        "parameters": parameters,
        "training": training,
        "test": test_metrics,
        **extra,
        "system": system_info(),
    }
    return write_json(Path(output_dir) / METRICS_FILE, content)


def save_figure(figure, output_dir: str | Path, name: str) -> Path:
    """Save a figure as output_dir/<name>.png at 120 dpi and return the path."""
    path = Path(output_dir) / f"{name}.png"
    figure.savefig(path, dpi=120)
    return path
