"""Checks of the real FER-2013 archive.zip, where the machine has a copy; skipped elsewhere."""

import os
import time
from collections import Counter
from pathlib import Path

import pytest

from fer_utils import EMOTIONS
from fer_utils.data import load_fer2013

ARCHIVE = Path(
    os.environ.get(
        "FER2013_ZIP",
        Path(__file__).resolve().parents[2] / "shared/datasets/fer2013/archive.zip",
    )
)

TRAIN_COUNTS = {
    "angry": 3995,
    "disgust": 436,
    "fear": 4097,
    "happy": 7215,
    "neutral": 4965,
    "sad": 4830,
    "surprise": 3171,
}
TEST_COUNTS = {
    "angry": 958,
    "disgust": 111,
    "fear": 1024,
    "happy": 1774,
    "neutral": 1233,
    "sad": 1247,
    "surprise": 831,
}
"""Class counts of the Kaggle image-folder release of FER-2013 (archive.zip)."""


@pytest.mark.real_data
@pytest.mark.skipif(
    not ARCHIVE.is_file(), reason=f"no FER-2013 archive at {ARCHIVE} (set FER2013_ZIP)"
)
def test_real_archive_counts(tmp_path):
    started = time.perf_counter()
    dataset = load_fer2013(ARCHIVE, cache_dir=tmp_path)
    first_load = time.perf_counter() - started
    started = time.perf_counter()
    cached = load_fer2013(ARCHIVE, cache_dir=tmp_path)
    cached_load = time.perf_counter() - started
    print(f"\nFER-2013 archive.zip: first load {first_load:.2f} s, cached load {cached_load:.2f} s")

    assert dataset.train.images.shape == (28709, 48, 48, 1)
    assert dataset.test.images.shape == (7178, 48, 48, 1)
    assert dataset.train.class_counts() == {name: TRAIN_COUNTS[name] for name in EMOTIONS}
    assert dataset.test.class_counts() == {name: TEST_COUNTS[name] for name in EMOTIONS}
    assert Counter(dataset.train.origins.tolist()) == {"Training": 28709}
    assert Counter(dataset.test.origins.tolist()) == {"PublicTest": 3589, "PrivateTest": 3589}
    assert (cached.train.labels == dataset.train.labels).all()
    assert (cached.test.images == dataset.test.images).all()
    assert cached_load < first_load
