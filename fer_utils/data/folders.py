"""Reading of the image-folder layout train/<class>/<file> and test/<class>/<file>."""

from __future__ import annotations

from collections.abc import Callable

from fer_utils.data.assemble import LabelledFile
from fer_utils.data.errors import DataError, count_phrase, list_items
from fer_utils.data.trees import FileTree

SPLITS = ("train", "test")


def label_class_folders(
    tree: FileTree,
    class_index: Callable[[str], int | None],
    origin: Callable[[str, str], str],
    class_rule: str,
) -> tuple[dict[str, list[LabelledFile]], list[str]]:
    """Label every file of `tree` by the class folder it sits in.

    class_index maps a folder name to an EMOTIONS index, or None for an unknown name.
    origin maps (split, file name) to an origin tag. class_rule is the sentence that
    error messages use to state which folder names are valid. Returns the labelled
    files of "train" and "test" in name order, and the entries outside train/ and
    test/, which are skipped.
    Raises DataError naming unknown class folders, files that are not exactly
    <split>/<class>/<file>, or a split without any file.
    """
    files: dict[str, list[LabelledFile]] = {split: [] for split in SPLITS}
    outside: list[str] = []
    misplaced: list[str] = []
    unknown: set[str] = set()
    for name in tree.files:
        parts = name.split("/")
        if parts[0] not in SPLITS:
            outside.append(name)
        elif len(parts) != 3:
            misplaced.append(name)
        elif (label := class_index(parts[1])) is None:
            unknown.add(f"{parts[0]}/{parts[1]}/")
        else:
            files[parts[0]].append(LabelledFile(name, label, origin(parts[0], parts[2])))
    _check(tree, files, misplaced, sorted(unknown), class_rule)
    return files, outside


def _check(
    tree: FileTree,
    files: dict[str, list[LabelledFile]],
    misplaced: list[str],
    unknown: list[str],
    class_rule: str,
) -> None:
    root = tree.location("")
    if unknown:
        raise DataError(
            f"{root} has {count_phrase(len(unknown), 'unknown class folder')}: "
            f"{list_items(unknown)}. {class_rule} Rename or remove those folders."
        )
    if misplaced:
        raise DataError(
            f"{root} has {count_phrase(len(misplaced), 'file')} outside a class folder: "
            f"{list_items(misplaced)}. Each image must be at <split>/<class>/<file>; move "
            "or remove those files."
        )
    for split, members in files.items():
        if not members:
            raise DataError(
                f"{root} has no images under {split}/. The layout needs both train/ and "
                "test/ with one folder per class; check that the dataset was fully extracted."
            )
