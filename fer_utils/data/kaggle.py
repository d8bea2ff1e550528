"""Download a dataset from Kaggle with kagglehub, for a data_dir written as "kagglehub:<owner>/<name>"."""

import re
from pathlib import Path

KAGGLEHUB_PREFIX = "kagglehub:"
HANDLE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/versions/[0-9]+)?")
FER2013_HANDLE = "msambare/fer2013"
"""The Kaggle copy of FER-2013 in image folders (train/ and test/, one folder per emotion)."""


def is_kaggle_source(data_dir) -> bool:
    """Return whether data_dir names a Kaggle dataset ("kagglehub:<owner>/<name>") rather than a path."""
    return isinstance(data_dir, str) and data_dir.startswith(KAGGLEHUB_PREFIX)


def check_kaggle_source(data_dir: str) -> str:
    """Return the handle of "kagglehub:<owner>/<name>[/versions/<n>]", or raise ValueError naming data_dir."""
    handle = data_dir[len(KAGGLEHUB_PREFIX):]
    if not HANDLE.fullmatch(handle):
        raise ValueError(f"data_dir {data_dir!r} names no Kaggle dataset: write it as "
                         f"'{KAGGLEHUB_PREFIX}<owner>/<name>' or '{KAGGLEHUB_PREFIX}<owner>/<name>/versions/<n>', "
                         f"such as '{KAGGLEHUB_PREFIX}{FER2013_HANDLE}'.")
    return handle


def download_kaggle_dataset(data_dir: str) -> Path:
    """Download "kagglehub:<owner>/<name>[/versions/<n>]" into kagglehub's cache and return its folder.

    kagglehub downloads once and reuses its cache afterwards. Raises ValueError for an
    invalid handle (check_kaggle_source) and ModuleNotFoundError when kagglehub is not
    installed (Colab has it, and elsewhere `pip install kagglehub` adds it).
    """
    handle = check_kaggle_source(data_dir)
    try:
        import kagglehub
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"data_dir {data_dir!r} needs the kagglehub package, which is not installed: "
                                  "run `pip install kagglehub`, or download the dataset and pass its path.") from error
    return Path(kagglehub.dataset_download(handle))
