"""Each fault a user's data can have, built small in tmp_path, with the exact outcome."""

import hashlib
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fer_utils import EMOTIONS
from fer_utils.data import (
    DataError,
    DataWarning,
    load_dataset,
    load_fer2013,
    load_rafdb,
    stratified_split,
    take_subset,
)
from fer_utils.data.assemble import make_split

PIXELS = " ".join(["128"] * 2304)


def write_image(path: Path, size: int = 48, mode: str = "L") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, (size, size), 128 if mode == "L" else (200, 120, 90)).save(path, "JPEG")
    return path


def make_fer_folder(root: Path, classes=EMOTIONS, per_class: int = 2) -> Path:
    """Write per_class plain images of each class in train/ and test/."""
    for split, prefix in (("train", "Training"), ("test", "PublicTest")):
        for emotion in classes:
            for number in range(per_class):
                write_image(root / split / emotion / f"{prefix}_{emotion}{number}.jpg")
    return root


def make_rafdb_official(
    root: Path, lines: list[str] | None = None, stems: list[str] | None = None
) -> Path:
    """Write basic/ with one train and one test image of each label 1-7, or the lines and
    image stems given."""
    default = [
        f"{split}_{label:05d}.jpg {label}" for split in ("train", "test") for label in range(1, 8)
    ]
    lines = default if lines is None else lines
    stems = [line.split()[0][: -len(".jpg")] for line in default] if stems is None else stems
    label_file = root / "basic/EmoLabel/list_patition_label.txt"
    label_file.parent.mkdir(parents=True)
    label_file.write_text("\n".join(lines) + "\n")
    for stem in stems:
        write_image(root / "basic/Image/aligned" / f"{stem}_aligned.jpg", size=100, mode="RGB")
    return root


def write_csv(path: Path, rows: list[str], header: str = "emotion,pixels,Usage") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def valid_rows() -> list[str]:
    return [
        f"{label},{PIXELS},{usage}"
        for usage in ("Training", "PublicTest", "PrivateTest")
        for label in range(7)
    ]


def load_with_warnings(loader, *args, **kwargs):
    """Call the loader without a cache and return its result and its DataWarning messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = loader(*args, use_cache=False, **kwargs)
    return result, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def digest(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# Paths


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match=re.escape(f"{tmp_path / 'nowhere'} does not exist")):
        load_dataset(tmp_path / "nowhere")


def test_empty_folder(tmp_path):
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    with pytest.raises(DataError, match="is an empty folder"):
        load_fer2013(tmp_path)


def test_folder_one_level_too_high(tmp_path):
    make_fer_folder(tmp_path / "fer2013")
    expected = f"found the expected layout one level down at {tmp_path / 'fer2013'} "
    with pytest.raises(DataError, match=re.escape(expected) + ".*pass that instead"):
        load_fer2013(tmp_path)


def test_several_layouts_one_level_down(tmp_path):
    make_fer_folder(tmp_path / "fer2013")
    write_csv(tmp_path / "fer2013.csv", valid_rows())
    with pytest.raises(DataError, match="fer2013 .*fer2013.csv"):
        load_dataset(tmp_path)


def test_folder_one_level_too_low(tmp_path):
    make_fer_folder(tmp_path / "fer2013")
    message = f"is inside a dataset: {tmp_path / 'fer2013'} contains the layout"
    with pytest.raises(DataError, match=re.escape(message)):
        load_fer2013(tmp_path / "fer2013" / "train")
    with pytest.raises(DataError, match=re.escape(message)):
        load_dataset(tmp_path / "fer2013" / "train" / "happy")


def test_rafdb_folder_too_low(tmp_path):
    make_rafdb_official(tmp_path / "raf")
    with pytest.raises(
        DataError, match=re.escape(f"{tmp_path / 'raf' / 'basic'} contains the layout")
    ):
        load_rafdb(tmp_path / "raf" / "basic" / "Image" / "aligned")


def test_unrecognized_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(
        DataError,
        match=r"It contains images/, notes.txt\. The loaders read FER-2013 image folders: train/",
    ):
        load_dataset(tmp_path)


def test_unreadable_file_type(tmp_path):
    path = tmp_path / "fer2013.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(DataError, match="is a file of a type no loader reads"):
        load_dataset(path)


def test_wrong_loader_for_layout(tmp_path):
    make_rafdb_official(tmp_path / "raf")
    with pytest.raises(
        DataError,
        match=r"contains the RAF-DB official release layout \(basic/ .*\(load_rafdb\)\), "
        r"which this loader does not read",
    ):
        load_fer2013(tmp_path / "raf")


# Folder contents


def test_hidden_entries_ignored(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    (root / ".DS_Store").write_bytes(b"\0\0")
    (root / "train/happy/._Training_happy0.jpg").write_bytes(b"\0")
    (root / "train/sad/Thumbs.db").write_bytes(b"\0")
    (root / "test/desktop.ini").write_text("[.ShellClassInfo]")
    (root / "train/.ipynb_checkpoints").mkdir()
    (root / "train/.ipynb_checkpoints/broken.jpg").write_bytes(b"")
    dataset, messages = load_with_warnings(load_fer2013, root)
    assert len(dataset.train) == 14
    assert messages == [
        "Ignored 5 entries (hidden, system or outside the layout): .DS_Store, test/desktop.ini, "
        "train/.ipynb_checkpoints/, train/happy/._Training_happy0.jpg, train/sad/Thumbs.db."
    ]


def test_macosx_in_zip_ignored(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as target:
        for path in sorted(root.rglob("*.jpg")):
            target.write(path, path.relative_to(root).as_posix())
        target.writestr("__MACOSX/train/happy/._Training_happy0.jpg", b"\0")
        target.writestr("__MACOSX/train/sad/._Training_sad0.jpg", b"\0")
    dataset, messages = load_with_warnings(load_fer2013, archive)
    assert len(dataset.test) == 14
    assert messages == ["Ignored 1 entry (hidden, system or outside the layout): __MACOSX/."]


def test_files_beside_splits_ignored(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    (root / "README.txt").write_text("about")
    _, messages = load_with_warnings(load_fer2013, root)
    assert messages == ["Ignored 1 entry (hidden, system or outside the layout): README.txt."]


def test_unknown_class_folder(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    write_image(root / "train/happyy/x.jpg")
    write_image(root / "test/contempt/y.jpg")
    with pytest.raises(
        DataError,
        match=r"2 unknown class folders: test/contempt/, train/happyy/\. Class folders must be "
        r"named after an emotion: angry, .*Rename or remove those folders\.",
    ):
        load_fer2013(root)


def test_class_folder_case_ignored(tmp_path):
    root = make_fer_folder(tmp_path / "fer", classes=[e.capitalize() for e in EMOTIONS])
    dataset, messages = load_with_warnings(load_fer2013, root)
    assert messages == []
    assert dataset.train.class_counts() == dict.fromkeys(EMOTIONS, 2)


def test_missing_class_warns(tmp_path):
    root = make_fer_folder(tmp_path / "fer", classes=[e for e in EMOTIONS if e != "disgust"])
    dataset, messages = load_with_warnings(load_fer2013, root)
    assert dataset.train.class_counts()["disgust"] == 0
    assert messages == [
        "FER-2013 is missing classes: train has no disgust; test has no disgust. Class counts "
        "are train: angry 2, disgust 0, fear 2, happy 2, sad 2, surprise 2, neutral 2; "
        "test: angry 2, disgust 0, fear 2, happy 2, sad 2, surprise 2, neutral 2."
    ]


def test_missing_split(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    for path in (root / "test").rglob("*.jpg"):
        path.unlink()
    with pytest.raises(DataError, match=r"has no images under test/\."):
        load_fer2013(root)


def test_file_outside_class_folder(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    write_image(root / "train/loose.jpg")
    write_image(root / "train/happy/nested/deep.jpg")
    with pytest.raises(
        DataError,
        match="2 files outside a class folder: train/happy/nested/deep.jpg, train/loose.jpg",
    ):
        load_fer2013(root)


def test_bad_image_files_listed(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    (root / "train/happy/notes.txt").write_text("not an image")
    (root / "train/sad/empty.jpg").write_bytes(b"")
    whole = (root / "test/fear/PublicTest_fear0.jpg").read_bytes()
    (root / "test/fear/PublicTest_fear0.jpg").write_bytes(whole[: len(whole) // 2])
    before = digest(root)
    with pytest.raises(DataError) as raised:
        load_fer2013(root)
    message = str(raised.value)
    assert message.startswith(f"3 files in {root} could not be decoded as images: ")
    assert "test/fear/PublicTest_fear0.jpg (Truncated File Read)" in message
    assert "train/happy/notes.txt (cannot identify image file" in message
    assert "train/sad/empty.jpg (empty file)" in message
    assert message.endswith("Remove or replace them, then load again.")
    assert digest(root) == before


def test_many_bad_files_counted(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    for number in range(12):
        (root / f"train/angry/bad{number:02d}.jpg").write_bytes(b"junk")
    with pytest.raises(DataError, match=r"12 files .*bad09.jpg \([^)]*\) and 2 more\. Remove"):
        load_fer2013(root)


def test_bad_image_in_zip(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    (root / "train/happy/Training_bad.jpg").write_bytes(b"junk")
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as target:
        for path in sorted(root.rglob("*.jpg")):
            target.write(path, "wrapper/" + path.relative_to(root).as_posix())
    with pytest.raises(
        DataError,
        match=re.escape(f"{archive}:wrapper/ could not be decoded") + ".*Training_bad.jpg",
    ):
        load_fer2013(archive)


def test_other_formats_converted(tmp_path):
    root = make_fer_folder(tmp_path / "fer")
    write_image(root / "train/happy/big.jpg", size=64, mode="RGB")
    Image.new("RGBA", (48, 48), (10, 20, 30, 255)).save(root / "test/sad/alpha.png")
    dataset, messages = load_with_warnings(load_fer2013, root)
    assert dataset.train.images.shape[1:] == (48, 48, 1)
    assert messages == [
        "Converted to 48x48 grayscale: 2 images stored in a format other than 48x48 grayscale "
        "(train/happy/big.jpg, test/sad/alpha.png)."
    ]


def test_not_a_zip(tmp_path):
    archive = tmp_path / "archive.zip"
    archive.write_bytes(b"this is no zip")
    with pytest.raises(DataError, match="could not be opened as a zip archive"):
        load_fer2013(archive)


def test_zip_without_splits(tmp_path):
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as target:
        target.writestr("images/happy/a.jpg", b"x")
        target.writestr("labels/a.txt", b"x")
    with pytest.raises(
        DataError, match=r"has no train/ or test/ folder .*\(found images, labels\)"
    ):
        load_fer2013(archive)


# fer2013.csv


def test_csv_short_pixel_row(tmp_path):
    rows = valid_rows()
    rows[1] = "1," + " ".join(["128"] * 2303) + ",Training"
    with pytest.raises(
        DataError,
        match=r"1 invalid value: row 2 \(line 3\) pixels hold 2303 values\. Valid rows have an "
        r"emotion label from 0 to 6, a Usage of Training or PublicTest or PrivateTest, and "
        r"pixels as "
        r"2304 integers from 0 to 255 separated by spaces\. Fix or delete those rows\.",
    ):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


@pytest.mark.parametrize("bad_value", ["256", "-1", "12.5", "abc"])
def test_csv_pixel_out_of_range(tmp_path, bad_value):
    rows = valid_rows()
    rows[4] = "4," + " ".join(["128"] * 2303 + [bad_value]) + ",Training"
    message = f"1 invalid value: row 5 (line 6) pixel 2304 is {bad_value!r}. Valid rows"
    with pytest.raises(DataError, match=re.escape(message)):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


def test_csv_problems_in_row_order(tmp_path):
    rows = valid_rows()
    rows[2] = f"9,{PIXELS},Training"
    rows[0] = "0,,Training"
    with pytest.raises(
        DataError,
        match=r"2 invalid values: row 1 \(line 2\) pixels hold 0 values, "
        r"row 3 \(line 4\) emotion '9'\. ",
    ):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


def test_csv_many_problems_counted(tmp_path):
    rows = [f"{label},{PIXELS},Test" for label in [0] * 12] + valid_rows()
    with pytest.raises(
        DataError,
        match=r"12 invalid values: row 1 .*, row 10 \(line 11\) Usage 'Test' and 2 more\. Valid",
    ):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


def test_csv_label_out_of_range(tmp_path):
    rows = valid_rows()
    rows[0] = f"7,{PIXELS},Training"
    rows[2] = f"happy,{PIXELS},Training"
    with pytest.raises(
        DataError,
        match=r"2 invalid values: row 1 \(line 2\) emotion '7', "
        r"row 3 \(line 4\) emotion 'happy'\. ",
    ):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


def test_csv_unknown_usage(tmp_path):
    rows = valid_rows()
    rows[8] = f"1,{PIXELS},Validation"
    with pytest.raises(
        DataError,
        match=r"1 invalid value: row 9 \(line 10\) Usage 'Validation'\. ",
    ):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


def test_csv_renamed_column(tmp_path):
    path = write_csv(tmp_path / "fer2013.csv", valid_rows(), header="Emotion,pixels,Usage")
    with pytest.raises(
        DataError,
        match=r"lacks the column\(s\) emotion; its columns are Emotion, pixels, Usage\. "
        r"fer2013.csv needs the columns emotion, pixels, Usage",
    ):
        load_fer2013(path)


def test_csv_missing_column(tmp_path):
    rows = [row.rsplit(",", 1)[0] for row in valid_rows()]
    with pytest.raises(DataError, match=r"lacks the column\(s\) Usage"):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows, header="emotion,pixels"))


def test_csv_empty_test_split(tmp_path):
    rows = [row for row in valid_rows() if row.endswith("Training")]
    with pytest.raises(
        DataError, match="has no PublicTest or PrivateTest rows, so the test split would be empty"
    ):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", rows))


def test_csv_header_only(tmp_path):
    with pytest.raises(DataError, match="has no Training rows, so the train split would be empty"):
        load_fer2013(write_csv(tmp_path / "fer2013.csv", []))


def test_csv_empty_file(tmp_path):
    path = tmp_path / "fer2013.csv"
    path.write_text("")
    with pytest.raises(DataError, match="could not be read as a CSV file"):
        load_fer2013(path)


def test_csv_missing_class_warns(tmp_path):
    rows = [row for row in valid_rows() if not row.startswith("1,")]
    dataset, messages = load_with_warnings(load_fer2013, write_csv(tmp_path / "fer2013.csv", rows))
    assert len(dataset.train) == 6
    assert len(messages) == 1
    assert messages[0].startswith(
        "FER-2013 is missing classes: train has no disgust; test has no disgust."
    )


# RAF-DB


TRAIN_LINES = [f"train_{n:05d}.jpg {n}" for n in range(1, 8)]


@pytest.mark.parametrize(
    "extra_lines, expected",
    [
        (
            ["garbage", "test_00001.jpg"],
            r"2 invalid lines: line 8: 'garbage' is not '<train\|test>_<n>.jpg <label>', "
            r"line 9: 'test_00001.jpg' is not",
        ),
        (
            ["test_00001.jpg 8", "test_00002.jpg 0"],
            r"2 invalid lines: line 8: label '8' is outside 1-7, line 9: label '0' is outside "
            r"1-7\. Each line must be '<train\|test>_<number>.jpg <label 1-7>'",
        ),
        (
            ["train_00002.jpg 4"],
            r"1 invalid line: line 8: train_00002.jpg is listed again \(first on line 2\)",
        ),
    ],
    ids=["unparsable", "out_of_range", "duplicate"],
)
def test_rafdb_invalid_label_lines(tmp_path, extra_lines, expected):
    root = make_rafdb_official(tmp_path, lines=TRAIN_LINES + extra_lines)
    with pytest.raises(DataError, match=expected):
        load_rafdb(root)


def test_rafdb_label_without_image(tmp_path):
    stems = [
        f"{s}_{n:05d}" for s in ("train", "test") for n in range(1, 8) if (s, n) != ("test", 3)
    ]
    root = make_rafdb_official(tmp_path, stems=stems)
    with pytest.raises(
        DataError,
        match=r"lists 1 image that .*aligned does not have: test_00003.jpg \(line 10\)\. Extract",
    ):
        load_rafdb(root)


def test_rafdb_image_without_label(tmp_path):
    stems = [f"{s}_{n:05d}" for s in ("train", "test") for n in range(1, 8)] + ["train_00099"]
    root = make_rafdb_official(tmp_path, stems=stems)
    with pytest.raises(
        DataError, match=r"1 image without a line in .*: train_00099_aligned.jpg\. Remove"
    ):
        load_rafdb(root)


def test_rafdb_missing_label_file(tmp_path):
    root = make_rafdb_official(tmp_path)
    (root / "basic/EmoLabel/list_patition_label.txt").unlink()
    with pytest.raises(
        DataError, match=r"list_patition_label.txt does not exist\. The official RAF-DB layout"
    ):
        load_rafdb(root)


def test_rafdb_hidden_entries_ignored(tmp_path):
    root = make_rafdb_official(tmp_path)
    (root / "basic/Image/aligned/.DS_Store").write_bytes(b"\0")
    dataset, messages = load_with_warnings(load_rafdb, root)
    assert len(dataset.train) == 7
    assert messages == ["Ignored 1 entry (hidden, system or outside the layout): .DS_Store."]


def test_rafdb_missing_class_warns(tmp_path):
    lines = [f"{s}_{n:05d}.jpg {n}" for s in ("train", "test") for n in range(1, 7)]
    root = make_rafdb_official(
        tmp_path, lines=lines, stems=[line.split()[0][:-4] for line in lines]
    )
    _, messages = load_with_warnings(load_rafdb, root)
    assert len(messages) == 1
    assert messages[0].startswith(
        "RAF-DB is missing classes: train has no neutral; test has no neutral."
    )


def test_rafdb_kaggle_unknown_class(tmp_path):
    for split in ("train", "test"):
        for label in ("1", "2", "8"):
            write_image(
                tmp_path / "DATASET" / split / label / f"{split}_0000{label}_aligned.jpg",
                100,
                "RGB",
            )
    with pytest.raises(
        DataError,
        match=r"2 unknown class folders: test/8/, train/8/\. "
        r"Class folders must be RAF-DB labels 1-7",
    ):
        load_rafdb(tmp_path)


def test_rafdb_kaggle_wrong_format_converted(tmp_path):
    for split in ("train", "test"):
        for label in range(1, 8):
            write_image(
                tmp_path / "DATASET" / split / str(label) / f"{split}_{label}_aligned.jpg",
                100,
                "RGB",
            )
    write_image(tmp_path / "DATASET/train/4/odd_aligned.jpg", size=80, mode="L")
    dataset, messages = load_with_warnings(load_rafdb, tmp_path, image_size=100, grayscale=False)
    assert dataset.train.images.shape == (8, 100, 100, 3)
    assert messages == [
        "Converted to 100x100 RGB colour: 1 image stored in a format other than 100x100 RGB "
        "colour (train/4/odd_aligned.jpg)."
    ]


# Class balance in splits


def tiny_split(counts: dict[str, int]):
    labels = [EMOTIONS.index(name) for name, count in counts.items() for _ in range(count)]
    images = np.zeros((len(labels), 48, 48, 1), np.uint8)
    return make_split(
        images, labels, [f"f{i}" for i in range(len(labels))], ["train"] * len(labels)
    )


def test_split_class_too_small_falls_back():
    split = tiny_split({"happy": 10, "sad": 10, "disgust": 1})
    with pytest.warns(DataWarning, match="Could not stratify by class .*picked images at random"):
        train, validation = stratified_split(split, 0.2, seed=0)
    assert len(train) + len(validation) == 21


def test_split_missing_class_in_validation_warns():
    split = tiny_split({"happy": 20, "sad": 20, "disgust": 1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, validation = stratified_split(split, 0.1, seed=0)
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert validation.class_counts()["disgust"] == 0
    assert messages[-1] == "The validation split has no images of disgust (1 in the source split)."


def test_subset_class_too_small_falls_back():
    split = tiny_split({"happy": 10, "sad": 10, "disgust": 1})
    with pytest.warns(DataWarning, match="Could not stratify"):
        subset = take_subset(split, 5, seed=0)
    assert len(subset) == 5
