"""Assembly of labelled image files into the train and test Splits of a Dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from fer_utils.data.cache import Loaded
from fer_utils.data.dataset import Dataset, Split
from fer_utils.data.decode import ImageFormat, decode_files
from fer_utils.data.errors import count_phrase, emit_warnings, list_items
from fer_utils.data.trees import FileTree
from fer_utils.labels import EMOTIONS


@dataclass(frozen=True)
class LabelledFile:
    """One image file of a tree: its relative name, EMOTIONS index and origin (see ORIGINS)."""

    name: str
    label: int
    origin: str


def make_split(
    images: np.ndarray, labels: ArrayLike, files: ArrayLike, origins: ArrayLike
) -> Split:
    """Build a Split with int64 labels and str arrays of file names and origins."""
    return Split(
        images,
        np.asarray(labels, dtype=np.int64),
        np.asarray(files, dtype=str),
        np.asarray(origins, dtype=str),
    )


def missing_class_warnings(dataset: str, splits: dict[str, Split]) -> list[str]:
    """Return one warning naming each split of `dataset` that lacks a class, or none.

    The warning shows every split's class counts so the user sees how unbalanced it is.
    """
    lacking = []
    counts = []
    for split_name, split in splits.items():
        split_counts = split.class_counts()
        absent = [name for name in EMOTIONS if split_counts[name] == 0]
        if absent:
            lacking.append(f"{split_name} has no {', '.join(absent)}")
        counts.append(
            f"{split_name}: " + ", ".join(f"{k} {v}" for k, v in split_counts.items())
        )
    if not lacking:
        return []
    return [
        f"{dataset} is missing classes: {'; '.join(lacking)}. Class counts are {'; '.join(counts)}."
    ]


def decode_splits(
    tree: FileTree,
    files: dict[str, list[LabelledFile]],
    native: ImageFormat,
    target: ImageFormat,
    dataset: str,
    notes: list[str],
) -> Loaded:
    """Decode the "train" and "test" lists of `files` into Splits in `target` format.

    Returns both splits with `notes`, then the decoder's conversion warning and any
    missing-class warning. Raises DataError listing every file that cannot be decoded.
    """
    ordered = files["train"] + files["test"]
    images, conversion_notes = decode_files(tree, [f.name for f in ordered], native, target)
    splits = {}
    start = 0
    for split_name in ("train", "test"):
        members = files[split_name]
        part = images[start : start + len(members)]
        start += len(members)
        labels = [f.label for f in members]
        splits[split_name] = make_split(
            part, labels, [f.name for f in members], [f.origin for f in members]
        )
    warnings = notes + conversion_notes + missing_class_warnings(dataset, splits)
    return Loaded(splits["train"], splits["test"], tuple(warnings))


def ignored_entries_warning(entries: list[str]) -> list[str]:
    """Return one warning counting and naming skipped entries, or none if there are none."""
    if not entries:
        return []
    entry_count = count_phrase(len(entries), "entry", "entries")
    return [
        f"Ignored {entry_count} (hidden, system or outside the layout): {list_items(entries)}."
    ]


def to_dataset(name: str, source: Path, loaded: Loaded) -> Dataset:
    """Issue the loaded result's warnings as DataWarnings and return it as a Dataset.

    The warnings are attributed to the caller of the public loader that calls this.
    """
    emit_warnings(loaded.warnings, stacklevel=3)
    return Dataset(name, str(source), loaded.train, loaded.test)
