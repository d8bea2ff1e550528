"""The FER-2013 loader: image folders, the Kaggle archive.zip, or the original fer2013.csv."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

from fer_utils.data.assemble import decode_splits, ignored_entries_warning, to_dataset
from fer_utils.data.cache import Loaded, file_identity, load_cached
from fer_utils.data.dataset import Dataset
from fer_utils.data.decode import ImageFormat
from fer_utils.data.fer2013_csv import read_fer2013_csv
from fer_utils.data.folders import SPLITS, label_class_folders
from fer_utils.data.layout import require_layout
from fer_utils.data.trees import FileTree, FolderTree, ZipTree
from fer_utils.labels import EMOTIONS, emotion_index

NAME = "FER-2013"
NATIVE = ImageFormat(48, "L")
TEST_ORIGINS = ("PublicTest", "PrivateTest")
CLASS_RULE = f"Class folders must be named after an emotion: {', '.join(EMOTIONS)}."


def _class_index(folder: str) -> int | None:
    try:
        return emotion_index(folder)
    except ValueError:
        return None


def _origin(split: str, file_name: str) -> str:
    """Return "Training" in train; in test, the PublicTest/PrivateTest file-name prefix,
    or "test" for a file without one."""
    if split == "train":
        return "Training"
    for origin in TEST_ORIGINS:
        if file_name.startswith(origin + "_"):
            return origin
    return "test"


def read_image_tree(tree: FileTree) -> Loaded:
    """Label and decode a FER-2013 image-folder tree into (N, 48, 48, 1) uint8 splits."""
    files, outside = label_class_folders(tree, _class_index, _origin, CLASS_RULE)
    notes = ignored_entries_warning(tree.ignored + outside)
    return decode_splits(tree, files, NATIVE, NATIVE, NAME, notes)


def _read_zip(path: Path) -> Loaded:
    with ZipTree(path, required=SPLITS) as tree:
        return read_image_tree(tree)


def load_fer2013(
    source: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> Dataset:
    """Load FER-2013 as 48x48 grayscale faces with labels indexing fer_utils.EMOTIONS.

    source is one of: the image-folder root (train/<emotion>/, test/<emotion>/); the
    Kaggle archive.zip, read in place, with train/ and test/ at its root or inside one
    wrapping folder; or the original fer2013.csv. Folder names map onto EMOTIONS by name
    (any letter case). Origins are "Training" in train, and in test "PublicTest" or
    "PrivateTest" from the file-name prefix or Usage column ("test" for an image file
    without either prefix).

    Decoded arrays are cached in cache_dir (default $FER_CACHE_DIR or ~/.cache/fer_utils)
    unless use_cache is False. The source is only read.

    Every check runs before any array is returned. DataError is raised for a path that
    is not a FER-2013 layout, unknown class folders, files outside class folders and a
    split without images. It is also raised for empty, truncated, corrupt or non-image
    files, listed all at once so they can be removed or replaced. Such files raise
    rather than being skipped, so every image file is either loaded or reported and the
    split sizes never shrink unnoticed. One DataWarning is
    issued per kind of change: ignored hidden, system or out-of-layout entries, images
    converted from a size or mode other than 48x48 grayscale, and classes missing from a
    split. For fer2013.csv, see read_fer2013_csv for the row checks.
    """
    layout = require_layout(source, ("fer2013_folder", "fer2013_zip", "fer2013_csv"))
    build: Callable[[], Loaded]
    if layout.kind == "fer2013_folder":
        tree = FolderTree(layout.path)
        identity: object = tree.identity()
        build = partial(read_image_tree, tree)
    else:
        identity = file_identity(layout.path)
        reader = _read_zip if layout.kind == "fer2013_zip" else read_fer2013_csv
        build = partial(reader, layout.path)
    parameters = {"layout": layout.kind}
    loaded = load_cached("fer2013", identity, parameters, build, cache_dir, use_cache)
    return to_dataset(NAME, layout.path, loaded)
