"""Decoding of image files into uint8 arrays of one size and colour mode."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from fer_utils.data.errors import DataError, count_phrase, list_items
from fer_utils.data.trees import FileTree


@dataclass(frozen=True)
class ImageFormat:
    """A square image size in pixels and a Pillow mode, "L" (grayscale) or "RGB"."""

    size: int
    mode: str

    @property
    def channels(self) -> int:
        """Number of channels in a decoded array: 1 for "L", 3 for "RGB"."""
        return 1 if self.mode == "L" else 3

    def describe(self) -> str:
        """Return a phrase such as "48x48 grayscale"."""
        colour = "grayscale" if self.mode == "L" else "RGB colour"
        return f"{self.size}x{self.size} {colour}"


class UnreadableImageError(Exception):
    """An image file that Pillow cannot decode. The message gives the reason."""


def decode_image(
    data: bytes, native: ImageFormat, target: ImageFormat
) -> tuple[np.ndarray, bool]:
    """Decode one encoded image into a (size, size, channels) uint8 array in `target` format.

    An image that is not in the dataset's `native` format is converted too: its mode with
    Pillow's convert, its size with a bicubic resize that does not keep the aspect ratio.
    Returns the array and whether the image was off the native format.
    Raises UnreadableImageError for an empty, truncated, corrupt or non-image file.
    """
    if not data:
        raise UnreadableImageError("empty file")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            converted = image.size != (native.size, native.size) or image.mode != native.mode
            if image.mode != target.mode:
                image = image.convert(target.mode)
            if image.size != (target.size, target.size):
                image = image.resize((target.size, target.size), Image.Resampling.BICUBIC)
            array = np.asarray(image, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadableImageError(str(error) or type(error).__name__) from error
    return array.reshape(target.size, target.size, target.channels), converted


def decode_files(
    tree: FileTree, names: list[str], native: ImageFormat, target: ImageFormat
) -> tuple[np.ndarray, list[str]]:
    """Decode the files `names` of `tree` into an (N, size, size, channels) uint8 array.

    Every file is decoded before this returns, so a bad file stops loading before any
    training starts. Returns the images and a list of warnings: one that counts and
    names the images converted from a format other than `native`, or none.
    Raises DataError listing every empty, truncated, corrupt or non-image file.
    """
    images = np.empty((len(names), target.size, target.size, target.channels), np.uint8)
    unreadable: list[str] = []
    converted: list[str] = []
    for index, name in enumerate(names):
        try:
            images[index], was_converted = decode_image(tree.read(name), native, target)
        except (UnreadableImageError, OSError) as error:
            unreadable.append(f"{name} ({error})")
            continue
        if was_converted:
            converted.append(name)
    if unreadable:
        raise DataError(
            f"{count_phrase(len(unreadable), 'file')} in {tree.location('')} could not be "
            f"decoded as images: {list_items(unreadable)}. Remove or replace them, then "
            "load again."
        )
    notes = []
    if converted:
        notes.append(
            f"Converted to {target.describe()}: {count_phrase(len(converted), 'image')} "
            f"stored in a format other than {native.describe()} ({list_items(converted)})."
        )
    return images, notes
