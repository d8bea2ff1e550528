import hashlib
import os
import re
import shutil
import warnings
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fer_utils.data.decode as decode_module
from fer_utils import EMOTIONS
from fer_utils.data import (
    Dataset,
    DataWarning,
    Split,
    load_dataset,
    load_fer2013,
    load_rafdb,
    stratified_split,
    take_subset,
)
from fer_utils.data.describe import class_count_table

TRAIN, TEST = 40, 12
NEUTRAL = EMOTIONS.index("neutral")
SURPRISE = EMOTIONS.index("surprise")

LAYOUTS = {
    "folder": ("fer2013", load_fer2013, {}),
    "zip": ("fer2013_archive.zip", load_fer2013, {}),
    "csv": ("fer2013.csv", load_fer2013, {}),
    "rafdb_official": ("rafdb_official", load_rafdb, {}),
    "rafdb_kaggle": ("rafdb_kaggle", load_rafdb, {}),
    "rafdb_colour": ("rafdb_kaggle", load_rafdb, {"image_size": 100, "grayscale": False}),
}
"""Each fixture layout as (path under the fixture root, loader, loader options)."""


def load_quietly(loader, source, **kwargs) -> Dataset:
    """Load and fail on any DataWarning: the fixture is clean."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return loader(source, **kwargs)


def file_digests(root: Path) -> dict[str, tuple[str, int]]:
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {
        str(path): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in paths
    }


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_counts(fixture_dir, layout):
    relative, loader, options = LAYOUTS[layout]
    dataset = load_quietly(loader, fixture_dir / relative, **options)
    assert (len(dataset.train), len(dataset.test)) == (7 * TRAIN, 7 * TEST)
    assert dataset.train.class_counts() == dict.fromkeys(EMOTIONS, TRAIN)
    assert dataset.test.class_counts() == dict.fromkeys(EMOTIONS, TEST)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_arrays(fixture_dir, layout):
    relative, loader, options = LAYOUTS[layout]
    dataset = load_quietly(loader, fixture_dir / relative, **options)
    shape = (100, 100, 3) if options else (48, 48, 1)
    for split in (dataset.train, dataset.test):
        assert split.images.dtype == np.uint8
        assert split.images.shape[1:] == shape
        assert split.labels.dtype == np.int64
        assert split.files.dtype.kind == "U"
        assert len(set(split.files)) == len(split)
    assert 20 < dataset.train.images.mean() < 235


@pytest.mark.parametrize("layout", ["folder", "zip", "csv"])
def test_fer2013_origins(fixture_dir, layout):
    relative, loader, _ = LAYOUTS[layout]
    dataset = load_quietly(loader, fixture_dir / relative)
    assert dataset.name == "FER-2013"
    assert Counter(dataset.train.origins.tolist()) == {"Training": 7 * TRAIN}
    assert Counter(dataset.test.origins.tolist()) == {"PublicTest": 42, "PrivateTest": 42}


@pytest.mark.parametrize("layout", ["rafdb_official", "rafdb_kaggle"])
def test_rafdb_origins(fixture_dir, layout):
    relative, loader, _ = LAYOUTS[layout]
    dataset = load_quietly(loader, fixture_dir / relative)
    assert dataset.name == "RAF-DB"
    assert set(dataset.train.origins) == {"train"}
    assert set(dataset.test.origins) == {"test"}


def test_folder_labels_follow_folder_names(fixture_dir):
    dataset = load_quietly(load_fer2013, fixture_dir / "fer2013")
    for split in (dataset.train, dataset.test):
        folder_names = [name.split("/")[1] for name in split.files]
        assert [EMOTIONS[label] for label in split.labels] == folder_names


def test_zip_matches_folder(fixture_dir):
    folder = load_quietly(load_fer2013, fixture_dir / "fer2013")
    archive = load_quietly(load_fer2013, fixture_dir / "fer2013_archive.zip")
    np.testing.assert_array_equal(folder.train.images, archive.train.images)
    np.testing.assert_array_equal(folder.test.labels, archive.test.labels)
    np.testing.assert_array_equal(folder.test.files, archive.test.files)


def test_wrapped_zip(fixture_dir, tmp_path):
    wrapped = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(fixture_dir / "fer2013_archive.zip") as source:
        with zipfile.ZipFile(wrapped, "w") as target:
            for info in source.infolist():
                target.writestr("fer2013/" + info.filename, source.read(info))
    dataset = load_quietly(load_fer2013, wrapped)
    assert (len(dataset.train), len(dataset.test)) == (7 * TRAIN, 7 * TEST)
    assert dataset.train.files[0].startswith("train/")


def test_csv_file_names(fixture_dir):
    dataset = load_quietly(load_fer2013, fixture_dir / "fer2013.csv")
    assert dataset.train.files[0] == "fer2013.csv:row 1"
    assert dataset.test.files[0] == f"fer2013.csv:row {7 * TRAIN + 1}"


def test_every_layout_same_labels(fixture_dir):
    """Each train face has the same label in all five layouts, matched by its number."""
    by_number = {}
    for layout in ("folder", "zip", "csv", "rafdb_official", "rafdb_kaggle"):
        relative, loader, options = LAYOUTS[layout]
        split = load_quietly(loader, fixture_dir / relative, **options).train
        numbers = [int(re.findall(r"\d+", name)[-1]) for name in split.files]
        by_number[layout] = dict(zip(numbers, split.labels.tolist(), strict=True))
    assert len(by_number["folder"]) == 7 * TRAIN
    for layout, labels in by_number.items():
        assert labels == by_number["folder"], layout


def neutral_train_number(fixture_dir: Path) -> int:
    """Return the number of the first train face that RAF-DB's label file calls neutral (7)."""
    label_file = fixture_dir / "rafdb_official/basic/EmoLabel/list_patition_label.txt"
    for line in label_file.read_text().splitlines():
        name, label = line.split()
        if name.startswith("train_") and label == "7":
            return int(name[len("train_") : -len(".jpg")])
    raise AssertionError("the fixture has no neutral train face")


def test_neutral_face_same_label(fixture_dir):
    number = neutral_train_number(fixture_dir)
    csv_data = load_quietly(load_fer2013, fixture_dir / "fer2013.csv")
    folder = load_quietly(load_fer2013, fixture_dir / "fer2013")
    official = load_quietly(load_rafdb, fixture_dir / "rafdb_official")
    kaggle = load_quietly(load_rafdb, fixture_dir / "rafdb_kaggle")
    csv_index = list(csv_data.train.files).index(f"fer2013.csv:row {number}")
    folder_index = list(folder.train.files).index(f"train/neutral/Training_{number:05d}.jpg")
    official_index = list(official.train.files).index(f"train_{number:05d}_aligned.jpg")
    kaggle_index = list(kaggle.train.files).index(f"train/7/train_{number:05d}_aligned.jpg")
    assert NEUTRAL == 6
    assert csv_data.train.labels[csv_index] == NEUTRAL
    assert folder.train.labels[folder_index] == NEUTRAL
    assert official.train.labels[official_index] == NEUTRAL
    assert kaggle.train.labels[kaggle_index] == NEUTRAL
    difference = np.abs(
        csv_data.train.images[csv_index].astype(int) - official.train.images[official_index]
    )
    assert difference.mean() < 4


def test_rafdb_label_one_is_surprise(fixture_dir):
    label_file = fixture_dir / "rafdb_official/basic/EmoLabel/list_patition_label.txt"
    surprised = {
        line.split()[0].replace(".jpg", "_aligned.jpg")
        for line in label_file.read_text().splitlines()
        if line.split()[1] == "1"
    }
    official = load_quietly(load_rafdb, fixture_dir / "rafdb_official")
    kaggle = load_quietly(load_rafdb, fixture_dir / "rafdb_kaggle")
    assert SURPRISE == 5
    for split in (official.train, official.test):
        loaded_as_surprise = set(split.files[split.labels == SURPRISE])
        assert loaded_as_surprise
        assert loaded_as_surprise == surprised & set(split.files)
    kaggle_surprise = kaggle.train.files[kaggle.train.labels == SURPRISE]
    assert {name.split("/")[1] for name in kaggle_surprise} == {"1"}


def test_rafdb_colour_matches_file(fixture_dir):
    dataset = load_quietly(
        load_rafdb, fixture_dir / "rafdb_official", image_size=100, grayscale=False
    )
    path = fixture_dir / "rafdb_official/basic/Image/aligned" / dataset.test.files[0]
    with Image.open(path) as image:
        np.testing.assert_array_equal(dataset.test.images[0], np.asarray(image))


def test_rafdb_other_size(fixture_dir):
    dataset = load_quietly(load_rafdb, fixture_dir / "rafdb_kaggle", image_size=64)
    assert dataset.train.images.shape == (7 * TRAIN, 64, 64, 1)


def test_rafdb_basic_folder_accepted(fixture_dir):
    dataset = load_quietly(load_rafdb, fixture_dir / "rafdb_official/basic")
    assert len(dataset.train) == 7 * TRAIN


def test_rafdb_invalid_image_size(fixture_dir):
    with pytest.raises(ValueError, match="image_size must be a positive int"):
        load_rafdb(fixture_dir / "rafdb_kaggle", image_size=0)


@pytest.mark.parametrize(
    "relative, name",
    [
        ("fer2013", "FER-2013"),
        ("fer2013_archive.zip", "FER-2013"),
        ("fer2013.csv", "FER-2013"),
        ("rafdb_official", "RAF-DB"),
        ("rafdb_official/basic", "RAF-DB"),
        ("rafdb_kaggle", "RAF-DB"),
        ("rafdb_kaggle/DATASET", "RAF-DB"),
    ],
)
def test_load_dataset_dispatch(fixture_dir, relative, name):
    dataset = load_quietly(load_dataset, fixture_dir / relative)
    assert dataset.name == name
    assert len(dataset.train) == 7 * TRAIN


def test_load_dataset_passes_options(fixture_dir):
    dataset = load_quietly(
        load_dataset, fixture_dir / "rafdb_kaggle", image_size=100, grayscale=False
    )
    assert dataset.train.images.shape[1:] == (100, 100, 3)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sources_unchanged(fixture_dir, tmp_path, layout):
    relative, loader, options = LAYOUTS[layout]
    before = file_digests(fixture_dir)
    load_quietly(loader, fixture_dir / relative, cache_dir=tmp_path, **options)
    load_quietly(loader, fixture_dir / relative, cache_dir=tmp_path, **options)
    assert file_digests(fixture_dir) == before


class DecodeCounter:
    """Stands in for decode_image, counting calls, or failing when `fail` is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.original = decode_module.decode_image

    def __call__(self, *args, **kwargs):
        if self.fail:
            raise AssertionError("decoded although the cache should have been used")
        self.calls += 1
        return self.original(*args, **kwargs)


@pytest.fixture
def decode_counter(monkeypatch) -> DecodeCounter:
    counter = DecodeCounter()
    monkeypatch.setattr(decode_module, "decode_image", counter)
    return counter


@pytest.mark.parametrize("layout", ["folder", "zip", "rafdb_official", "rafdb_colour"])
def test_second_load_hits_cache(fixture_dir, tmp_path, decode_counter, layout):
    relative, loader, options = LAYOUTS[layout]
    first = load_quietly(loader, fixture_dir / relative, cache_dir=tmp_path, **options)
    assert decode_counter.calls == 7 * (TRAIN + TEST)
    decode_counter.fail = True
    second = load_quietly(loader, fixture_dir / relative, cache_dir=tmp_path, **options)
    for name in ("images", "labels", "files", "origins"):
        np.testing.assert_array_equal(getattr(first.train, name), getattr(second.train, name))
        np.testing.assert_array_equal(getattr(first.test, name), getattr(second.test, name))
    assert second.source == first.source


def test_cache_file_uncompressed_npz(fixture_dir, tmp_path):
    load_quietly(load_fer2013, fixture_dir / "fer2013.csv", cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert [path.suffix for path in files] == [".npz"]
    with zipfile.ZipFile(files[0]) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}


def test_cache_dir_from_environment(fixture_dir, session_cache_dir):
    before = set(session_cache_dir.iterdir())
    load_quietly(load_fer2013, fixture_dir / "fer2013.csv")
    load_quietly(load_fer2013, fixture_dir / "fer2013.csv")
    assert len(set(session_cache_dir.iterdir()) - before) <= 1
    assert any(path.name.startswith("fer2013-") for path in session_cache_dir.iterdir())


def test_use_cache_false_writes_nothing(fixture_dir, tmp_path, decode_counter):
    load_quietly(load_fer2013, fixture_dir / "fer2013", cache_dir=tmp_path, use_cache=False)
    load_quietly(load_fer2013, fixture_dir / "fer2013", cache_dir=tmp_path, use_cache=False)
    assert list(tmp_path.iterdir()) == []
    assert decode_counter.calls == 2 * 7 * (TRAIN + TEST)


def test_touched_folder_read_again(fixture_dir, tmp_path, decode_counter):
    source = shutil.copytree(fixture_dir / "fer2013", tmp_path / "fer2013")
    cache = tmp_path / "cache"
    load_quietly(load_fer2013, source, cache_dir=cache)
    one_file = next((source / "train/happy").glob("*.jpg"))
    stat = one_file.stat()
    os.utime(one_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    load_quietly(load_fer2013, source, cache_dir=cache)
    assert decode_counter.calls == 2 * 7 * (TRAIN + TEST)
    assert len(list(cache.iterdir())) == 2


def test_rewritten_image_read_again(fixture_dir, tmp_path):
    source = shutil.copytree(fixture_dir / "fer2013", tmp_path / "fer2013")
    cache = tmp_path / "cache"
    before = load_quietly(load_fer2013, source, cache_dir=cache)
    target = source / before.train.files[0]
    Image.new("L", (48, 48), 7).save(target)
    after = load_quietly(load_fer2013, source, cache_dir=cache)
    assert (after.train.images[0] == 7).all()
    assert not (before.train.images[0] == 7).all()


def test_added_image_read_again(fixture_dir, tmp_path):
    source = shutil.copytree(fixture_dir / "fer2013", tmp_path / "fer2013")
    cache = tmp_path / "cache"
    load_quietly(load_fer2013, source, cache_dir=cache)
    shutil.copy(next((source / "train/sad").glob("*.jpg")), source / "train/sad/Training_99999.jpg")
    after = load_quietly(load_fer2013, source, cache_dir=cache)
    assert after.train.class_counts()["sad"] == TRAIN + 1


@pytest.mark.parametrize("name", ["fer2013_archive.zip", "fer2013.csv"])
def test_touched_file_read_again(fixture_dir, tmp_path, decode_counter, name):
    source = shutil.copy(fixture_dir / name, tmp_path / name)
    cache = tmp_path / "cache"
    load_quietly(load_fer2013, source, cache_dir=cache)
    stat = os.stat(source)
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    load_quietly(load_fer2013, source, cache_dir=cache)
    assert len(list(cache.iterdir())) == 2


def test_rafdb_options_cached_apart(fixture_dir, tmp_path):
    small = load_quietly(load_rafdb, fixture_dir / "rafdb_kaggle", cache_dir=tmp_path)
    large = load_quietly(
        load_rafdb, fixture_dir / "rafdb_kaggle", cache_dir=tmp_path, image_size=100
    )
    assert small.train.images.shape[1:] == (48, 48, 1)
    assert large.train.images.shape[1:] == (100, 100, 1)
    assert len(list(tmp_path.iterdir())) == 2


def test_corrupt_cache_rebuilt(fixture_dir, tmp_path):
    load_quietly(load_fer2013, fixture_dir / "fer2013.csv", cache_dir=tmp_path)
    (cache_file,) = tmp_path.iterdir()
    cache_file.write_bytes(b"not an npz archive")
    with pytest.warns(DataWarning, match="could not be read"):
        dataset = load_fer2013(fixture_dir / "fer2013.csv", cache_dir=tmp_path)
    assert len(dataset.train) == 7 * TRAIN
    assert np.load(cache_file)["train_labels"].shape == (7 * TRAIN,)


def test_unwritable_cache_warns(fixture_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(DataWarning, match="Could not write the cache file"):
        dataset = load_fer2013(fixture_dir / "fer2013.csv", cache_dir=blocker / "cache")
    assert len(dataset.test) == 7 * TEST


@pytest.fixture
def fer_train(fixture_dir) -> Split:
    return load_quietly(load_fer2013, fixture_dir / "fer2013").train


def test_split_same_seed_same_files(fer_train):
    first = stratified_split(fer_train, 0.25, seed=3)
    second = stratified_split(fer_train, 0.25, seed=3)
    np.testing.assert_array_equal(first[1].files, second[1].files)
    np.testing.assert_array_equal(first[0].files, second[0].files)


def test_split_other_seed_other_files(fer_train):
    _, first = stratified_split(fer_train, 0.25, seed=3)
    _, second = stratified_split(fer_train, 0.25, seed=4)
    assert set(first.files) != set(second.files)


def test_split_partitions_and_stratifies(fer_train):
    train, validation = stratified_split(fer_train, 0.25, seed=0)
    assert set(train.files).isdisjoint(validation.files)
    assert sorted([*train.files, *validation.files]) == sorted(fer_train.files)
    assert validation.class_counts() == dict.fromkeys(EMOTIONS, 10)
    assert train.class_counts() == dict.fromkeys(EMOTIONS, 30)


def test_split_keeps_order(fer_train):
    train, validation = stratified_split(fer_train, 0.2, seed=0)
    order = {name: index for index, name in enumerate(fer_train.files)}
    assert [order[name] for name in train.files] == sorted(order[name] for name in train.files)
    assert [order[name] for name in validation.files] == sorted(
        order[name] for name in validation.files
    )


def test_split_pairs_stay_together(fer_train):
    _, validation = stratified_split(fer_train, 0.2, seed=0)
    label_of = dict(zip(fer_train.files, fer_train.labels, strict=True))
    assert [label_of[name] for name in validation.files] == validation.labels.tolist()


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_split_invalid_fraction(fer_train, fraction):
    with pytest.raises(ValueError, match="fraction must be between 0 and 1"):
        stratified_split(fer_train, fraction)


def test_subset_stratified(fer_train):
    subset = take_subset(fer_train, 70, seed=1)
    assert subset.class_counts() == dict.fromkeys(EMOTIONS, 10)
    assert set(subset.files) <= set(fer_train.files)


def test_subset_deterministic(fer_train):
    np.testing.assert_array_equal(
        take_subset(fer_train, 35, 2).files, take_subset(fer_train, 35, 2).files
    )
    assert set(take_subset(fer_train, 35, 2).files) != set(take_subset(fer_train, 35, 3).files)


@pytest.mark.parametrize("limit", [None, 7 * TRAIN, 10_000])
def test_subset_without_limit(fer_train, limit):
    assert take_subset(fer_train, limit) is fer_train


def test_subset_invalid_limit(fer_train):
    with pytest.raises(ValueError, match="max_images must be at least 1"):
        take_subset(fer_train, 0)


def test_class_count_table_dataset(fixture_dir):
    dataset = load_quietly(load_fer2013, fixture_dir / "fer2013")
    table = class_count_table(dataset)
    assert list(table.index) == ["train", "test"]
    assert list(table.columns) == [*EMOTIONS, "total"]
    assert table.loc["train", "happy"] == TRAIN
    assert table.loc["test", "total"] == 7 * TEST


def test_class_count_table_splits(fer_train):
    train, validation = stratified_split(fer_train, 0.25)
    table = class_count_table({"train": train, "validation": validation})
    assert list(table.index) == ["train", "validation"]
    assert table["total"].tolist() == [210, 70]
    assert table.loc["validation", "disgust"] == 10
