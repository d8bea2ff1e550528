"""Loaders that decode FER-2013 and RAF-DB into in-memory uint8 arrays."""

from fer_utils.data.dataset import Dataset, Split
from fer_utils.data.errors import DataError, DataWarning
from fer_utils.data.fer2013 import load_fer2013
from fer_utils.data.load import load_dataset
from fer_utils.data.rafdb import load_rafdb
from fer_utils.data.split import stratified_split, take_subset

__all__ = [
    "DataError",
    "DataWarning",
    "Dataset",
    "Split",
    "load_dataset",
    "load_fer2013",
    "load_rafdb",
    "stratified_split",
    "take_subset",
]
