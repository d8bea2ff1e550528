"""Figures of the data itself: sample faces per class, class balance, and the augmentation.

Every function draws on a new figure, returns it and changes no global settings. Faces
are (N, H, W, 1) uint8 grayscale or (N, H, W, 3) uint8 RGB, shown on a fixed 0-255 scale
so that a brightness change stays visible.
"""

from collections.abc import Mapping

import keras
import matplotlib.pyplot as plt
import numpy as np

from fer_utils.augmentation import (
    BRIGHTNESS_RANGE,
    ROTATION_DEGREES,
    SHIFT_FRACTION,
    ZOOM_FRACTION,
    RandomBrightnessScale,
    build_augmentation,
)
from fer_utils.data.dataset import Split
from fer_utils.data.describe import class_count_table
from fer_utils.labels import EMOTIONS

AUGMENTATION_NAMES = {
    keras.layers.RandomFlip: "flip\n(horizontal, p = 0.5)",
    keras.layers.RandomRotation: f"rotation\n(±{ROTATION_DEGREES:g}°)",
    keras.layers.RandomTranslation: f"shift\n(up to {SHIFT_FRACTION:.0%})",
    keras.layers.RandomZoom: f"zoom\n({1 - ZOOM_FRACTION:g}-{1 + ZOOM_FRACTION:g})",
    RandomBrightnessScale: f"brightness\n(×{BRIGHTNESS_RANGE[0]:g}-{BRIGHTNESS_RANGE[1]:g})",
}
"""Row label of each augmentation layer type, with the range it draws from."""


def _show_face(axis, image: np.ndarray) -> None:
    """Draw one face on a 0-255 scale without ticks (the axis labels stay usable)."""
    axis.imshow(image.squeeze(-1) if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=255)
    axis.set_xticks([])
    axis.set_yticks([])


def pick_per_class(split: Split, per_class: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Pick up to per_class random image indexes of each emotion, seeded.

    Returns emotion name -> sorted int array; a class with fewer images gets all of
    them, and a class without images an empty array.
    """
    rng = np.random.default_rng(seed)
    picked = {}
    for label, emotion in enumerate(EMOTIONS):
        members = np.flatnonzero(split.labels == label)
        count = min(per_class, len(members))
        picked[emotion] = np.sort(rng.choice(members, size=count, replace=False))
    return picked


def plot_class_samples(split: Split, per_class: int = 8, seed: int = 0, title: str = "Sample faces of each class"):
    """Show per_class random faces of every emotion, one row per emotion in EMOTIONS order.

    Each row is labelled with the emotion and its image count in `split`; a class with
    fewer images leaves the rest of its row empty.
    """
    picked = pick_per_class(split, per_class, seed)
    counts = split.class_counts()
    figure, axes = plt.subplots(len(EMOTIONS), per_class, figsize=(per_class * 1.25, len(EMOTIONS) * 1.35),
                                squeeze=False, constrained_layout=True)
    for row, emotion in zip(axes, EMOTIONS):
        for column, axis in enumerate(row):
            if column < len(picked[emotion]):
                _show_face(axis, split.images[picked[emotion][column]])
            else:
                axis.axis("off")
        row[0].axis("on")
        row[0].set_xticks([])
        row[0].set_yticks([])
        row[0].set_ylabel(f"{emotion}\n({counts[emotion]:,})", rotation=0, ha="right", va="center")
    figure.suptitle(title)
    return figure


def plot_class_distribution(splits: Mapping[str, Split], title: str = "Images per class and split"):
    """Draw a grouped bar chart of image counts: emotions on the x axis, one bar per split.

    Each bar is labelled with its count, so small classes (FER-2013's disgust) stay
    readable next to large ones.
    """
    table = class_count_table(splits).drop(columns="total")
    positions = np.arange(len(EMOTIONS))
    width = 0.8 / len(table)
    figure, axis = plt.subplots(figsize=(11, 4.5), constrained_layout=True)
    for offset, (split_name, counts) in enumerate(table.iterrows()):
        bars = axis.bar(positions + (offset - (len(table) - 1) / 2) * width, counts.to_numpy(), width,
                        label=f"{split_name} ({counts.sum():,})")
        axis.bar_label(bars, fmt="{:,.0f}", fontsize=8, padding=2)
    axis.set_xticks(positions, EMOTIONS)
    axis.set(xlabel="Emotion", ylabel="Images", title=title)
    axis.margins(y=0.12)
    axis.legend(title="split (total)")
    axis.grid(axis="y", alpha=0.3)
    return figure


def augmentation_stages(seed: int | None = None) -> dict[str, keras.Layer]:
    """Return each augmentation of the training pipeline alone, then all of them combined.

    The single layers are taken from build_augmentation(seed), so they have exactly the
    ranges that training uses. Keys are row labels naming the range; the last one,
    "all five combined", is the whole pipeline in its training order.
    """
    pipeline = build_augmentation(seed=seed)
    stages = {AUGMENTATION_NAMES[type(layer)]: layer for layer in pipeline.layers}
    stages["all five\ncombined"] = pipeline
    return stages


def augment(layer: keras.Layer, images: np.ndarray) -> np.ndarray:
    """Apply an augmentation layer in training mode to (N, H, W, C) uint8 images.

    Each image gets its own random draw. Returns uint8 images of the same shape,
    rounded and clipped to 0-255.
    """
    augmented = layer(np.asarray(images, dtype="float32"), training=True)
    return np.clip(np.round(keras.ops.convert_to_numpy(augmented)), 0, 255).astype(np.uint8)


def plot_augmentations(images: np.ndarray, column_titles: list[str], seed: int | None = 0,
                       title: str = "Training augmentation, one transform at a time"):
    """Show faces unchanged, under each augmentation alone, and under all of them combined.

    images: (N, H, W, C) uint8, one face per column; column_titles: N strings. Each row
    is one stage of augmentation_stages(seed) and each cell an independent random draw,
    so a row shows the range of its transform. Passing one face N times shows N draws.
    """
    stages = augmentation_stages(seed)
    rows = {"original": np.asarray(images)}
    rows |= {name: augment(layer, images) for name, layer in stages.items()}
    figure, axes = plt.subplots(len(rows), len(images), figsize=(len(images) * 1.3 + 1.2, len(rows) * 1.35),
                                squeeze=False, constrained_layout=True)
    for axis_row, (name, faces) in zip(axes, rows.items()):
        for axis, face in zip(axis_row, faces):
            _show_face(axis, face)
        axis_row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    for axis, column_title in zip(axes[0], column_titles):
        axis.set_title(column_title, fontsize=9)
    figure.suptitle(title)
    return figure
