"""In-memory containers for a loaded dataset and its splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fer_utils.labels import EMOTIONS

ORIGINS = ("Training", "PublicTest", "PrivateTest", "train", "test")
"""Origin tags a Split may carry: FER-2013's three Usage values and RAF-DB's two splits."""


@dataclass(frozen=True)
class Split:
    """One split of decoded faces.

    images: (N, H, W, C) uint8, H = W = 48 and C = 1 unless a loader was asked otherwise.
    labels: (N,) int64 indexes into fer_utils.EMOTIONS.
    files: (N,) str, each image's source name (file path inside the dataset, or
        "fer2013.csv:row <n>" for the CSV).
    origins: (N,) str, each image's original split, one of ORIGINS.
    """

    images: np.ndarray
    labels: np.ndarray
    files: np.ndarray
    origins: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.images)
        for name in ("labels", "files", "origins"):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"Split.{name} has {len(getattr(self, name))} entries but images has {n}."
                )
        if self.images.dtype != np.uint8 or self.images.ndim != 4:
            raise ValueError(
                f"Split.images must be a (N, H, W, C) uint8 array, got {self.images.dtype} "
                f"with shape {self.images.shape}."
            )

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> Split:
        """Return the images at `indices` (an int array or boolean mask) as a new Split."""
        return Split(
            self.images[indices],
            self.labels[indices],
            self.files[indices],
            self.origins[indices],
        )

    def class_counts(self) -> dict[str, int]:
        """Return the number of images of each emotion, in EMOTIONS order."""
        counts = np.bincount(self.labels, minlength=len(EMOTIONS))
        return {name: int(count) for name, count in zip(EMOTIONS, counts)}


@dataclass(frozen=True)
class Dataset:
    """A dataset's labelled train and test splits, as read from `source`."""

    name: str
    source: str
    train: Split
    test: Split
