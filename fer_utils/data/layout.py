"""Recognition of the dataset layouts that the loaders read, from a path a user passes.

Recognition looks only at names (of the path, its children and the class folders one
level further down); the loaders check the content. Nothing is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fer_utils.data.errors import DataError, list_items
from fer_utils.data.trees import is_hidden

LAYOUTS: dict[str, tuple[str, str]] = {
    "fer2013_folder": (
        "FER-2013 image folders",
        "train/<emotion>/ and test/<emotion>/ (load_fer2013)",
    ),
    "fer2013_zip": (
        "FER-2013 archive.zip",
        "train/ and test/ at its root or in one wrapping folder (load_fer2013)",
    ),
    "fer2013_csv": ("FER-2013 fer2013.csv", "columns emotion, pixels and Usage (load_fer2013)"),
    "rafdb_official": (
        "RAF-DB official release",
        "basic/ with EmoLabel/list_patition_label.txt and Image/aligned/ (load_rafdb)",
    ),
    "rafdb_kaggle": (
        "RAF-DB Kaggle release",
        "DATASET/ with train/<1-7>/ and test/<1-7>/ (load_rafdb)",
    ),
}
"""Each layout the loaders read, by kind: its name and what it contains, for messages."""


@dataclass(frozen=True)
class Layout:
    """A recognized layout: its kind (a key of LAYOUTS) and the file or folder it is in.

    `path` is the folder the loader reads from: for RAF-DB that is basic/ or DATASET/
    even when the user passed the folder above it.
    """

    kind: str
    path: Path


def _visible_children(folder: Path) -> list[Path]:
    return sorted(child for child in folder.iterdir() if not is_hidden(child.name))


def _class_folder_names(folder: Path, splits: set[str]) -> set[str]:
    return {
        child.name
        for split in splits
        for child in _visible_children(folder / split)
        if child.is_dir()
    }


def _match_file(path: Path) -> Layout | None:
    kinds = {".zip": "fer2013_zip", ".csv": "fer2013_csv"}
    kind = kinds.get(path.suffix.lower())
    return Layout(kind, path) if kind else None


def _match_folder(folder: Path) -> Layout | None:
    names = {child.name for child in _visible_children(folder) if child.is_dir()}
    if "basic" in names:
        return Layout("rafdb_official", folder / "basic")
    if "EmoLabel" in names or (folder / "Image" / "aligned").is_dir():
        return Layout("rafdb_official", folder)
    if "DATASET" in names:
        return Layout("rafdb_kaggle", folder / "DATASET")
    splits = names & {"train", "test"}
    if not splits:
        return None
    classes = _class_folder_names(folder, splits)
    if classes and all(name.isdigit() for name in classes):
        return Layout("rafdb_kaggle", folder)
    return Layout("fer2013_folder", folder)


def _match_child(child: Path) -> Layout | None:
    return _match_folder(child) if child.is_dir() else _match_file(child)


def _expected_layouts() -> str:
    described = [f"{name}: {contents}" for name, contents in LAYOUTS.values()]
    return "The loaders read " + "; ".join(described) + "."


def _reject_one_level_off(path: Path, children: list[Path]) -> None:
    below = [layout for child in children if (layout := _match_child(child))]
    if below:
        places = list_items([f"{layout.path} ({LAYOUTS[layout.kind][0]})" for layout in below])
        raise DataError(
            f"{path} contains no dataset itself, but found the expected layout one level down "
            f"at {places}; pass that instead."
        )
    for ancestor in path.resolve().parents[:2]:
        layout = _match_folder(ancestor)
        if layout and path.resolve().is_relative_to(layout.path.resolve()):
            raise DataError(
                f"{path} is inside a dataset: {layout.path} contains the layout "
                f"({LAYOUTS[layout.kind][0]}); pass that instead."
            )


def find_layout(source: str | os.PathLike[str]) -> Layout:
    """Recognize which layout `source` is, or raise DataError saying what to pass instead.

    DataError is raised for a missing path, a file other than .zip or .csv, and an
    empty folder. It is also raised for a folder one level above a layout or one or two
    levels inside one, and for any other folder. The last message lists what the folder
    contains and the layouts that are read.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(
            f"{path} does not exist. Check the path, or download the dataset there."
        )
    if path.is_file():
        layout = _match_file(path)
        if layout is None:
            raise DataError(
                f"{path} is a file of a type no loader reads. {_expected_layouts()}"
            )
        return layout
    children = _visible_children(path)
    if not children:
        raise DataError(
            f"{path} is an empty folder (apart from hidden entries). Put the dataset there, "
            f"or pass the folder that contains it. {_expected_layouts()}"
        )
    layout = _match_folder(path)
    if layout is not None:
        return layout
    _reject_one_level_off(path, children)
    found = list_items([child.name + ("/" if child.is_dir() else "") for child in children])
    raise DataError(
        f"{path} does not hold a dataset layout that the loaders read. It contains {found}. "
        f"{_expected_layouts()}"
    )


def require_layout(source: str | os.PathLike[str], kinds: tuple[str, ...]) -> Layout:
    """Recognize the layout of `source` and check that it is one of `kinds`.

    Raises DataError as find_layout does, and also when the layout is of another kind,
    naming the loader that reads it.
    """
    layout = find_layout(source)
    if layout.kind not in kinds:
        name, contents = LAYOUTS[layout.kind]
        raise DataError(
            f"{layout.path} contains the {name} layout ({contents}), which this loader does "
            "not read. Load it with the function named in brackets, or with load_dataset."
        )
    return layout
