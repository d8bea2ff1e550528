"""Reading of the original FER-2013 release, fer2013.csv (columns emotion, pixels, Usage)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fer_utils.data.assemble import make_split, missing_class_warnings
from fer_utils.data.cache import Loaded
from fer_utils.data.errors import DataError, count_phrase, list_items
from fer_utils.labels import emotion_index

COLUMNS = ("emotion", "pixels", "Usage")

FER2013_LABEL_NAMES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""The emotion of each FER-2013 numeric label 0-6, as the dataset defines them."""

USAGE_SPLITS = {"Training": "train", "PublicTest": "test", "PrivateTest": "test"}
"""The split of each Usage value: Training rows go to train, both test sets to test."""

IMAGE_SIDE = 48
PIXEL_COUNT = IMAGE_SIDE * IMAGE_SIDE


def _read_table(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(
            f"{path} could not be read as a CSV file ({error}). Pass the original fer2013.csv."
        ) from error
    missing = [column for column in COLUMNS if column not in table.columns]
    if missing:
        raise DataError(
            f"{path} lacks the column(s) {', '.join(missing)}; its columns are "
            f"{', '.join(map(str, table.columns))}. fer2013.csv needs the columns "
            f"{', '.join(COLUMNS)}; rename the columns to match."
        )
    return table


def _parse_rows(fields: list[str]) -> np.ndarray | None:
    """Parse pixel fields with numpy's text parser into an (N, 2304) int64 array, or None
    if any field does not contain 2,304 integers."""
    if not fields or not all(fields):
        return None
    try:
        values = np.loadtxt(fields, dtype=np.int64, ndmin=2, comments=None)
    except ValueError:
        return None
    return values if values.shape == (len(fields), PIXEL_COUNT) else None


def _parse_pixels(fields: list[str]) -> tuple[np.ndarray, list[int]]:
    """Parse pixel fields into an (N, 2304) int64 array and the indexes of invalid fields.

    A field is valid when it contains 2,304 integers from 0 to 255. All fields are
    parsed at once, and only when that fails is each field parsed on its own to find
    the invalid ones. Their rows in the array are left 0.
    """
    values = _parse_rows(fields)
    valid = np.ones(len(fields), dtype=bool)
    if values is None:
        values = np.zeros((len(fields), PIXEL_COUNT), dtype=np.int64)
        for index, field in enumerate(fields):
            row = _parse_rows([field])
            valid[index] = row is not None
            if row is not None:
                values[index] = row[0]
    valid &= ((values >= 0) & (values <= 255)).all(axis=1)
    return values, np.flatnonzero(~valid).tolist()


def _describe_pixels(field: str) -> str:
    """Say what is wrong with an invalid pixels field: its value count or a bad value."""
    tokens = field.split()
    if len(tokens) != PIXEL_COUNT:
        return f"pixels hold {len(tokens)} values"
    for position, token in enumerate(tokens, 1):
        try:
            in_range = 0 <= int(token) <= 255
        except ValueError:
            in_range = False
        if not in_range:
            return f"pixel {position} is {token!r}"
    return "pixels could not be parsed"


def _row_problems(table: pd.DataFrame, fields: list[str], bad_pixels: list[int]) -> list[str]:
    """Name each invalid row and value as "row <n> (line <n + 1>) <value>", in row order."""
    labels = table["emotion"].str.strip()
    valid_labels = {str(label) for label in range(len(FER2013_LABEL_NAMES))}
    problems: list[tuple[int, str]] = [
        (index, f"emotion {value!r}")
        for index, value in enumerate(labels)
        if value not in valid_labels
    ]
    problems += [
        (index, f"Usage {value!r}")
        for index, value in enumerate(table["Usage"])
        if value not in USAGE_SPLITS
    ]
    problems += [(index, _describe_pixels(fields[index])) for index in bad_pixels]
    return [f"row {index + 1} (line {index + 2}) {text}" for index, text in sorted(problems)]


def read_fer2013_csv(path: Path) -> Loaded:
    """Read fer2013.csv: Training rows into train, PublicTest and PrivateTest rows into test.

    Images come out as (N, 48, 48, 1) uint8, files as "<csv name>:row <n>" with rows
    counted from 1 after the header, origins as the Usage value.
    Raises DataError for a file that is not a CSV, missing columns, invalid rows (each
    named by row, line and value) or an empty split.
    """
    table = _read_table(path)
    fields = [field.strip() for field in table["pixels"]]
    values, bad_pixels = _parse_pixels(fields)
    problems = _row_problems(table, fields, bad_pixels)
    if problems:
        raise DataError(
            f"{path} has {count_phrase(len(problems), 'invalid value')}: "
            f"{list_items(problems)}. Valid rows have an emotion label from 0 to 6, a Usage of "
            f"{' or '.join(USAGE_SPLITS)}, and pixels as {PIXEL_COUNT} integers from 0 to 255 "
            "separated by spaces. Fix or delete those rows."
        )
    name_of_label = dict(enumerate(FER2013_LABEL_NAMES))
    labels = np.array([emotion_index(name_of_label[int(v)]) for v in table["emotion"]])
    images = values.astype(np.uint8).reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1)
    usage = table["Usage"].to_numpy(dtype=str)
    files = np.array([f"{path.name}:row {index + 1}" for index in range(len(table))])
    splits = {}
    for split_name in ("train", "test"):
        usages = [value for value, split in USAGE_SPLITS.items() if split == split_name]
        rows = np.flatnonzero(np.isin(usage, usages))
        if len(rows) == 0:
            raise DataError(
                f"{path} has no {' or '.join(usages)} rows, so the {split_name} split would "
                "be empty. Pass the complete fer2013.csv."
            )
        splits[split_name] = make_split(images[rows], labels[rows], files[rows], usage[rows])
    warnings = missing_class_warnings("FER-2013", splits)
    return Loaded(splits["train"], splits["test"], tuple(warnings))
