"""Download a dataset from Kaggle with kagglehub, for a data_dir written as "kagglehub:<owner>/<name>"."""

from pathlib import Path

KAGGLEHUB_PREFIX = "kagglehub:"
FER2013_HANDLE = "msambare/fer2013"
"""The Kaggle copy of FER-2013 in image folders (train/ and test/, one folder per emotion)."""


def is_kaggle_source(data_dir) -> bool:
    """Return whether data_dir names a Kaggle dataset ("kagglehub:<owner>/<name>") rather than a path."""
    return isinstance(data_dir, str) and data_dir.startswith(KAGGLEHUB_PREFIX)


def download_kaggle_dataset(data_dir: str) -> Path:
    """Download "kagglehub:<owner>/<name>" into kagglehub's cache and return its local folder.

    kagglehub downloads once and reuses its cache afterwards. Raises ValueError for a
    handle without an owner and a name, and ModuleNotFoundError when kagglehub is not
    installed (Colab has it; elsewhere `pip install kagglehub`).
    """
    handle = data_dir[len(KAGGLEHUB_PREFIX):]
    if handle.count("/") != 1 or not all(handle.split("/")):
        raise ValueError(f"data_dir {data_dir!r} names no Kaggle dataset: write it as "
                         f"'{KAGGLEHUB_PREFIX}<owner>/<name>', such as '{KAGGLEHUB_PREFIX}{FER2013_HANDLE}'.")
    try:
        import kagglehub
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"data_dir {data_dir!r} needs the kagglehub package, which is not installed: "
                                  "run `pip install kagglehub`, or download the dataset and pass its path.") from error
    return Path(kagglehub.dataset_download(handle))
