import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fer_utils.fixtures as fixtures_module
from fer_utils import EMOTIONS
from fer_utils.fixtures import (
    LAYOUT_PATHS,
    MANIFEST_NAME,
    fixture_path,
    fixture_root,
    main,
    make_fixture,
)
from fer_utils.labels import RAFDB_LABEL_NAMES

REPO = Path(__file__).resolve().parents[1]


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_fixture_files_byte_identical(fixture_dir, tmp_path):
    make_fixture(tmp_path / "again", train_per_class=40, test_per_class=12)
    first, second = tree_bytes(fixture_dir), tree_bytes(tmp_path / "again")
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_fixture_seed_changes_pixels(tmp_path):
    first_root = make_fixture(tmp_path / "one", train_per_class=1, test_per_class=2, seed=1)
    second_root = make_fixture(tmp_path / "two", train_per_class=1, test_per_class=2, seed=2)
    assert (first_root / "fer2013.csv").read_bytes() != (second_root / "fer2013.csv").read_bytes()


def test_fixture_layout_counts(fixture_dir):
    fer_files = sorted((fixture_dir / "fer2013").rglob("*.jpg"))
    assert len(fer_files) == 7 * (40 + 12)
    for emotion in EMOTIONS:
        train = list((fixture_dir / "fer2013/train" / emotion).glob("Training_*.jpg"))
        public = list((fixture_dir / "fer2013/test" / emotion).glob("PublicTest_*.jpg"))
        private = list((fixture_dir / "fer2013/test" / emotion).glob("PrivateTest_*.jpg"))
        assert (len(train), len(public), len(private)) == (40, 6, 6)
    aligned = list((fixture_dir / "rafdb_official/basic/Image/aligned").glob("*_aligned.jpg"))
    assert len(aligned) == 364
    kaggle = list((fixture_dir / "rafdb_kaggle/DATASET").rglob("*_aligned.jpg"))
    assert len(kaggle) == 364


def test_fixture_image_formats(fixture_dir):
    with Image.open(next((fixture_dir / "fer2013/train/happy").glob("*.jpg"))) as image:
        assert (image.mode, image.size) == ("L", (48, 48))
    with Image.open(
        fixture_dir / "rafdb_official/basic/Image/aligned/train_00001_aligned.jpg"
    ) as image:
        assert (image.mode, image.size) == ("RGB", (100, 100))


def test_fixture_zip_mirrors_folders(fixture_dir):
    with zipfile.ZipFile(fixture_dir / "fer2013_archive.zip") as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
        assert {"train/", "test/", "train/happy/"} <= set(archive.namelist())
        sample = "train/sad/" + next((fixture_dir / "fer2013/train/sad").glob("*.jpg")).name
        assert archive.read(sample) == (fixture_dir / "fer2013" / sample).read_bytes()
    folder = {
        p.relative_to(fixture_dir / "fer2013").as_posix()
        for p in (fixture_dir / "fer2013").rglob("*.jpg")
    }
    assert names == folder


def test_fixture_csv_rows(fixture_dir):
    with open(fixture_dir / "fer2013.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["emotion", "pixels", "Usage"]
    assert [row["Usage"] for row in rows] == ["Training"] * 280 + ["PublicTest"] * 42 + [
        "PrivateTest"
    ] * 42
    assert {len(row["pixels"].split()) for row in rows} == {2304}
    assert {row["emotion"] for row in rows} == {str(label) for label in range(7)}


def test_same_face_same_emotion_everywhere(fixture_dir):
    """Train face i has one emotion in the folder names, the CSV and both RAF-DB label sources."""
    folder_emotion = {
        int(path.stem.split("_")[1]): path.parent.name
        for path in (fixture_dir / "fer2013/train").rglob("*.jpg")
    }
    with open(fixture_dir / "fer2013.csv", newline="") as handle:
        training_rows = [row for row in csv.DictReader(handle) if row["Usage"] == "Training"]
    csv_emotion = {
        number: EMOTIONS[int(row["emotion"])] for number, row in enumerate(training_rows, 1)
    }
    official = (
        (fixture_dir / "rafdb_official/basic/EmoLabel/list_patition_label.txt")
        .read_text()
        .split("\n")
    )
    official_emotion = {
        int(line.split()[0][len("train_") : -len(".jpg")]): RAFDB_LABEL_NAMES[int(line.split()[1])]
        for line in official
        if line.startswith("train_")
    }
    kaggle_emotion = {
        int(path.stem.split("_")[1]): RAFDB_LABEL_NAMES[int(path.parent.name)]
        for path in (fixture_dir / "rafdb_kaggle/DATASET/train").rglob("*.jpg")
    }
    assert len(folder_emotion) == 280
    assert csv_emotion == folder_emotion
    assert official_emotion == folder_emotion
    assert kaggle_emotion == folder_emotion


def test_same_face_same_pixels(fixture_dir):
    with open(fixture_dir / "fer2013.csv", newline="") as handle:
        first_row = next(csv.DictReader(handle))
    csv_pixels = np.array(first_row["pixels"].split(), dtype=np.uint8).reshape(48, 48)
    jpeg = next((fixture_dir / "fer2013/train").rglob("Training_00001.jpg"))
    with Image.open(jpeg) as image:
        folder_pixels = np.asarray(image)
    assert np.abs(folder_pixels.astype(int) - csv_pixels).mean() < 3


def test_kaggle_label_tables(fixture_dir):
    with open(fixture_dir / "rafdb_kaggle/train_labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 280
    first = rows[0]
    assert (fixture_dir / "rafdb_kaggle/DATASET/train" / first["label"] / first["image"]).is_file()


def test_manifest_records_parameters(fixture_dir):
    manifest = json.loads((fixture_dir / MANIFEST_NAME).read_text())
    assert manifest["train_per_class"] == 40
    assert manifest["test_per_class"] == 12
    assert manifest["seed"] == 0
    assert manifest["version"] >= 1


def test_same_parameters_is_noop(tmp_path):
    root = make_fixture(tmp_path / "fx", train_per_class=1, test_per_class=2)
    before = {path: path.stat().st_mtime_ns for path in root.rglob("*")}
    assert make_fixture(root, train_per_class=1, test_per_class=2) == root
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*")} == before


def test_other_parameters_rejected(tmp_path):
    root = make_fixture(tmp_path / "fx", train_per_class=1, test_per_class=2)
    with pytest.raises(
        FileExistsError, match=f"{root} already contains a fixture made with .*Delete that folder"
    ):
        make_fixture(root, train_per_class=2, test_per_class=2)


def test_foreign_folder_rejected(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="other content"):
        make_fixture(tmp_path, train_per_class=1, test_per_class=2)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_existing_empty_folder_filled(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    make_fixture(root, train_per_class=1, test_per_class=2)
    assert (root / MANIFEST_NAME).is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty"]


def test_concurrent_writer_tolerated(tmp_path, monkeypatch):
    """Another process finishing the same fixture first leaves one copy and no staging folder."""
    root = tmp_path / "fx"
    write_layouts = fixtures_module._write_layouts
    raced = []

    def write_then_race(staging, faces):
        write_layouts(staging, faces)
        if not raced:
            raced.append(True)
            make_fixture(root, train_per_class=1, test_per_class=2)

    monkeypatch.setattr(fixtures_module, "_write_layouts", write_then_race)
    assert make_fixture(root, train_per_class=1, test_per_class=2) == root
    assert raced == [True]
    assert [path.name for path in tmp_path.iterdir()] == ["fx"]
    assert (root / MANIFEST_NAME).is_file()


@pytest.mark.parametrize("train, test", [(0, 2), (1, 1)])
def test_too_few_faces_rejected(tmp_path, train, test):
    with pytest.raises(ValueError, match="at least"):
        make_fixture(tmp_path / "fx", train_per_class=train, test_per_class=test)


def test_fixture_path_layouts(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_FIXTURE_DIR", str(tmp_path / "default"))
    for layout, relative in LAYOUT_PATHS.items():
        assert fixture_path(layout) == tmp_path / "default" / relative
        assert fixture_path(layout).exists()
    manifest = json.loads((tmp_path / "default" / "fixture.json").read_text())
    assert (manifest["train_per_class"], manifest["test_per_class"]) == (100, 20)


def test_fixture_path_unknown_layout():
    with pytest.raises(ValueError, match="fer2013_zip, fer2013_csv, rafdb_official"):
        fixture_path("affectnet")


def test_fixture_root_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FER_FIXTURE_DIR", str(tmp_path))
    assert fixture_root() == tmp_path


def test_fixture_root_checkout(monkeypatch):
    monkeypatch.delenv("FER_FIXTURE_DIR", raising=False)
    assert fixture_root() == REPO / "data" / "fixture"


def test_command_prints_root(tmp_path, capsys):
    main([str(tmp_path / "cli"), "--train-per-class", "1", "--test-per-class", "2", "--seed", "3"])
    assert capsys.readouterr().out.strip() == str(tmp_path / "cli")
    assert json.loads((tmp_path / "cli" / MANIFEST_NAME).read_text())["seed"] == 3
