"""The RAF-DB basic-emotion loader: the official release or the Kaggle image-folder release."""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path

from fer_utils.data.assemble import (
    LabelledFile,
    decode_splits,
    ignored_entries_warning,
    to_dataset,
)
from fer_utils.data.cache import Loaded, file_identity, load_cached
from fer_utils.data.dataset import Dataset
from fer_utils.data.decode import ImageFormat
from fer_utils.data.errors import DataError, count_phrase, list_items
from fer_utils.data.folders import label_class_folders
from fer_utils.data.layout import require_layout
from fer_utils.data.trees import FolderTree
from fer_utils.labels import RAFDB_LABEL_NAMES, rafdb_label_to_index

NAME = "RAF-DB"
NATIVE = ImageFormat(100, "RGB")
LABEL_FILE = Path("EmoLabel", "list_patition_label.txt")
ALIGNED_FOLDER = Path("Image", "aligned")
LABEL_LINE = re.compile(r"((?:train|test)_\d+)\.jpg\s+(\S+)")
"""A label-file line such as "train_00001.jpg 5": image stem, then the label."""
ALIGNED_NAME = re.compile(r"((?:train|test)_\d+)_aligned\.jpg")
"""An aligned image name such as "train_00001_aligned.jpg", with the stem it is labelled by."""
VALID_LABELS = {str(label): label for label in RAFDB_LABEL_NAMES}
CLASS_RULE = "Class folders must be RAF-DB labels 1-7 (1 surprise ... 7 neutral)."


def _parse_label_file(path: Path) -> dict[str, tuple[int, int]]:
    """Return {image stem: (line number, RAF-DB label 1-7)} from list_patition_label.txt.

    Raises DataError listing every line that does not parse, has a label outside 1-7,
    or names an image a second time.
    """
    labels: dict[str, tuple[int, int]] = {}
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        match = LABEL_LINE.fullmatch(text)
        if match is None:
            problems.append(f"line {number}: {text!r} is not '<train|test>_<n>.jpg <label>'")
        elif match[2] not in VALID_LABELS:
            problems.append(f"line {number}: label {match[2]!r} is outside 1-7")
        elif match[1] in labels:
            first = labels[match[1]][0]
            problems.append(
                f"line {number}: {match[1]}.jpg is listed again (first on line {first})"
            )
        else:
            labels[match[1]] = (number, VALID_LABELS[match[2]])
    if problems:
        raise DataError(
            f"{path} has {count_phrase(len(problems), 'invalid line')}: {list_items(problems)}. "
            "Each line must be '<train|test>_<number>.jpg <label 1-7>'; fix or delete those lines."
        )
    return labels


def _match_images(
    tree: FolderTree, labels: dict[str, tuple[int, int]], label_path: Path
) -> dict[str, list[LabelledFile]]:
    """Pair each aligned image with its label-file line; the split is the name's prefix.

    Raises DataError listing labels without an image, then images without a label.
    """
    images = {}
    unlabelled = []
    for name in tree.files:
        match = ALIGNED_NAME.fullmatch(name)
        if match and match[1] in labels:
            images[match[1]] = name
        else:
            unlabelled.append(name)
    missing = [
        f"{stem}.jpg (line {line})" for stem, (line, _) in labels.items() if stem not in images
    ]
    if missing:
        raise DataError(
            f"{label_path} lists {count_phrase(len(missing), 'image')} that {tree.root} does "
            f"not have: {list_items(missing)}. Extract the aligned images again."
        )
    if unlabelled:
        raise DataError(
            f"{tree.root} has {count_phrase(len(unlabelled), 'image')} without a line in "
            f"{label_path}: {list_items(unlabelled)}. Remove them or add their labels."
        )
    files: dict[str, list[LabelledFile]] = {"train": [], "test": []}
    for stem, name in sorted(images.items(), key=lambda item: item[1]):
        split = stem.split("_")[0]
        label = rafdb_label_to_index(labels[stem][1])
        files[split].append(LabelledFile(name, label, split))
    return files


def _official_paths(basic: Path) -> tuple[Path, Path]:
    label_path, aligned = basic / LABEL_FILE, basic / ALIGNED_FOLDER
    for needed in (label_path, aligned):
        if not needed.exists():
            raise DataError(
                f"{needed} does not exist. The official RAF-DB layout needs "
                f"basic/{LABEL_FILE.as_posix()} and basic/{ALIGNED_FOLDER.as_posix()}/; "
                "extract the aligned images and the label file there."
            )
    return label_path, aligned


def _read_official(tree: FolderTree, label_path: Path, target: ImageFormat) -> Loaded:
    files = _match_images(tree, _parse_label_file(label_path), label_path)
    return decode_splits(
        tree, files, NATIVE, target, NAME, ignored_entries_warning(tree.ignored)
    )


def _kaggle_class_index(folder: str) -> int | None:
    if folder not in VALID_LABELS:
        return None
    return rafdb_label_to_index(VALID_LABELS[folder])


def _read_kaggle(tree: FolderTree, target: ImageFormat) -> Loaded:
    files, outside = label_class_folders(
        tree, _kaggle_class_index, lambda split, _file_name: split, CLASS_RULE
    )
    notes = ignored_entries_warning(tree.ignored + outside)
    return decode_splits(tree, files, NATIVE, target, NAME, notes)


def load_rafdb(
    source: str | os.PathLike[str],
    *,
    image_size: int = 48,
    grayscale: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> Dataset:
    """Load RAF-DB's basic-emotion set with labels indexing fer_utils.EMOTIONS.

    source is the official release (the folder containing basic/, or basic/ itself,
    with EmoLabel/list_patition_label.txt and Image/aligned/) or the Kaggle release
    (the folder containing DATASET/, or DATASET/ itself, with train/<1-7>/ and
    test/<1-7>/; its train_labels.csv and test_labels.csv are not read). Labels 1-7
    map onto EMOTIONS by name through fer_utils.labels.RAFDB_LABEL_NAMES.

    Images are (N, image_size, image_size, 1) uint8 when grayscale, else
    (N, image_size, image_size, 3) RGB; image_size=100, grayscale=False keeps the native
    aligned images. Origins are "train" and "test". Caching is as in load_fer2013.

    Raises ValueError for an image_size below 1. DataError is raised for a path that is
    not a RAF-DB layout and for label-file lines that do not parse, hold a label outside
    1-7 or repeat an image (each named by line). It is also raised for labels without an
    image, images without a label, unknown class folders (each named), and for every
    empty, truncated, corrupt or non-image file. One DataWarning is issued for each of:
    ignored entries; images converted from a format other than 100x100 RGB; classes
    missing from a split.
    """
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size must be a positive int of pixels, got {image_size!r}.")
    layout = require_layout(source, ("rafdb_official", "rafdb_kaggle"))
    target = ImageFormat(image_size, "L" if grayscale else "RGB")
    if layout.kind == "rafdb_official":
        label_path, aligned = _official_paths(layout.path)
        tree = FolderTree(aligned)
        identity = {"labels": file_identity(label_path), "images": tree.identity()}
        build = partial(_read_official, tree, label_path, target)
    else:
        tree = FolderTree(layout.path)
        identity = {"images": tree.identity()}
        build = partial(_read_kaggle, tree, target)
    parameters = {"layout": layout.kind, "image_size": image_size, "grayscale": grayscale}
    loaded = load_cached("rafdb", identity, parameters, build, cache_dir, use_cache)
    return to_dataset(NAME, layout.path, loaded)
