"""Seeded, stratified subsets of a Split: a validation split, and smaller sets for quick runs."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from fer_utils.data.dataset import Split
from fer_utils.data.errors import emit_warnings
from fer_utils.labels import EMOTIONS


def _pick_stratified(
    labels: np.ndarray, size: float | int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pick `size` indexes of `labels` (a fraction or a count), stratified by label.

    Returns the picked and the remaining indexes, each sorted. When a class is too small
    to stratify, picks at random instead and issues a DataWarning saying why.
    """
    indices = np.arange(len(labels))
    try:
        rest, picked = train_test_split(
            indices, test_size=size, random_state=seed, stratify=labels
        )
    except ValueError as error:
        message = f"Could not stratify by class ({error}); picked images at random instead."
        emit_warnings([message], stacklevel=3)
        rest, picked = train_test_split(indices, test_size=size, random_state=seed)
    return np.sort(picked), np.sort(rest)


def _classes_lost(source: Split, part: Split) -> list[str]:
    source_counts = source.class_counts()
    part_counts = part.class_counts()
    return [
        f"{name} ({source_counts[name]} in the source split)"
        for name in EMOTIONS
        if source_counts[name] and not part_counts[name]
    ]


def stratified_split(split: Split, fraction: float = 0.2, seed: int = 0) -> tuple[Split, Split]:
    """Split `split` into (train, validation) with `fraction` of its images in validation.

    The split is stratified by class and depends only on `seed`; both parts keep the
    original order, do not overlap and together hold every image. sklearn rounds the
    validation size up to a whole image. Issues a DataWarning when a class is too small
    to stratify (the split is then random) and when a class present in `split` is
    missing from the validation part. Raises ValueError for a fraction outside (0, 1)
    or a split of fewer than 2 images.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1 (exclusive), got {fraction!r}.")
    if len(split) < 2:
        raise ValueError(f"A split of {len(split)} images cannot be divided in two.")
    validation_indices, train_indices = _pick_stratified(split.labels, fraction, seed)
    train, validation = split.subset(train_indices), split.subset(validation_indices)
    lost = _classes_lost(split, validation)
    if lost:
        emit_warnings([f"The validation split has no images of {', '.join(lost)}."])
    return train, validation


def take_subset(split: Split, max_images: int | None, seed: int = 0) -> Split:
    """Return a stratified random subset of at most `max_images` images, in original order.

    None, or a limit of at least len(split), returns `split` itself. The subset depends
    only on `seed`; a class too small to stratify makes it random, with a DataWarning.
    Raises ValueError for a limit below 1.
    """
    if max_images is None:
        return split
    if max_images < 1:
        raise ValueError(f"max_images must be at least 1 or None, got {max_images!r}.")
    if max_images >= len(split):
        return split
    picked, _ = _pick_stratified(split.labels, max_images, seed)
    return split.subset(picked)
