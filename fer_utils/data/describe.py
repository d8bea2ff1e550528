"""Class-balance tables of loaded splits, for notebooks to show."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from fer_utils.data.dataset import Dataset, Split
from fer_utils.labels import EMOTIONS


def class_count_table(data: Dataset | Mapping[str, Split]) -> pd.DataFrame:
    """Count images per class in each split.

    data is a Dataset (rows "train" and "test") or a mapping of split name to Split
    (one row per key, in its order). Returns an int64 DataFrame indexed by split name
    with one column per emotion in EMOTIONS order and a final "total" column.
    """
    splits = {"train": data.train, "test": data.test} if isinstance(data, Dataset) else data
    rows = {name: split.class_counts() for name, split in splits.items()}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(EMOTIONS)).astype("int64")
    table["total"] = table.sum(axis=1)
    table.index.name = "split"
    return table
