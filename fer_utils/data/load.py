"""One entry point that recognizes a dataset's layout and calls the loader that reads it."""

from __future__ import annotations

import os
from typing import Any

from fer_utils.data.dataset import Dataset
from fer_utils.data.fer2013 import load_fer2013
from fer_utils.data.layout import find_layout
from fer_utils.data.rafdb import load_rafdb


def load_dataset(source: str | os.PathLike[str], **kwargs: Any) -> Dataset:
    """Load FER-2013 or RAF-DB from any layout that load_fer2013 or load_rafdb reads.

    kwargs go to that loader (cache_dir and use_cache for both; image_size and
    grayscale for RAF-DB only, so passing them with a FER-2013 source raises TypeError).
    Raises DataError, as find_layout does, when `source` is no recognized layout.
    """
    layout = find_layout(source)
    if layout.kind.startswith("rafdb"):
        return load_rafdb(source, **kwargs)
    return load_fer2013(source, **kwargs)
