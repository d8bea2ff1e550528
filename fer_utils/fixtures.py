"""A small synthetic FER dataset of drawn faces, written in every layout the loaders read.

Each face is drawn with PIL, and its mouth, brows and eyes depend on the expression:

- happy: a smile;
- sad: a frown, brows slanting down and outward;
- angry: brows slanting down and inward, a tight flat mouth;
- surprise: round eyes, raised brows, an open O mouth;
- fear: wide eyes, raised brows drawn together, a wide stretched mouth;
- disgust: squinted eyes, uneven brows, a wry mouth and a wrinkled nose;
- neutral: level brows and a straight mouth.

Position, size, rotation, skin and background intensity, feature shapes and Gaussian
pixel noise vary per face, so a model has to learn the features, not pixel positions.

The same faces appear in every layout. Train face i (counted from 1) is
fer2013/train/<emotion>/Training_<i:05d>.jpg, CSV Training row i and RAF-DB
train_<i:05d>. Test faces are numbered the same way, with the first half of each class
PublicTest and the rest PrivateTest. The CSV lists Training rows, then PublicTest,
then PrivateTest rows.

Run `python -m fer_utils.fixtures [ROOT]` to write it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from fer_utils.labels import EMOTIONS, RAFDB_LABEL_NAMES

FIXTURE_VERSION = 1
"""Bumped whenever the generated files change, so an old fixture folder is not reused."""
MANIFEST_NAME = "fixture.json"
LAYOUT_PATHS = {
    "fer2013": "fer2013",
    "fer2013_zip": "fer2013_archive.zip",
    "fer2013_csv": "fer2013.csv",
    "rafdb_official": "rafdb_official",
    "rafdb_kaggle": "rafdb_kaggle",
}
"""Each layout name accepted by fixture_path, and its path under the fixture root."""

RAF_SIZE = 100
FER_SIZE = 48
DRAW_SCALE = 2
"""Faces are drawn at twice the 100 px RAF-DB size and downscaled, which antialiases strokes."""
JPEG_QUALITY = 90
ZIP_TIMESTAMP = (2013, 1, 1, 0, 0, 0)
RAFDB_LABELS = {name: label for label, name in RAFDB_LABEL_NAMES.items()}
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Expression:
    """Feature geometry of one expression, in units of the face's half-width.

    eye_open is the eye's half-height. brow_raise contains the upward offsets of the inner
    and outer end of the left brow, then of the right brow. brow_inset moves the inner
    ends towards the middle. mouth names how _draw_mouth draws the mouth.
    """

    eye_open: float
    brow_raise: tuple[tuple[float, float], tuple[float, float]]
    brow_inset: float
    mouth: str


EXPRESSIONS: dict[str, Expression] = {
    "angry": Expression(0.05, ((-0.12, 0.06), (-0.12, 0.06)), 0.0, "tight"),
    "disgust": Expression(0.03, ((-0.08, 0.0), (0.03, 0.06)), 0.0, "wry"),
    "fear": Expression(0.13, ((0.16, 0.06), (0.16, 0.06)), -0.05, "stretched"),
    "happy": Expression(0.045, ((0.03, 0.03), (0.03, 0.03)), 0.0, "smile"),
    "sad": Expression(0.06, ((0.09, -0.06), (0.09, -0.06)), 0.0, "frown"),
    "surprise": Expression(0.14, ((0.17, 0.15), (0.17, 0.15)), 0.0, "open"),
    "neutral": Expression(0.07, ((0.0, 0.0), (0.0, 0.0)), 0.0, "straight"),
}


@dataclass(frozen=True)
class Face:
    """One generated face: where it goes in each layout, and its pixels.

    gray is the (48, 48) uint8 FER-2013 version, gray_jpeg its JPEG file and rgb_jpeg
    the JPEG file of the (100, 100, 3) RAF-DB version.
    """

    split: str
    number: int
    emotion: str
    usage: str
    gray: np.ndarray
    gray_jpeg: bytes
    rgb_jpeg: bytes

    @property
    def stem(self) -> str:
        """The RAF-DB name without extension, e.g. "train_00001"."""
        return f"{self.split}_{self.number:05d}"

    @property
    def fer_name(self) -> str:
        """The FER-2013 image-folder path, e.g. "train/happy/Training_00001.jpg"."""
        return f"{self.split}/{self.emotion}/{self.usage}_{self.number:05d}.jpg"


def _tone(luminance: float, tint: np.ndarray) -> tuple[int, int, int]:
    rgb = np.clip(luminance * tint, 0, 255)
    return tuple(int(round(value)) for value in rgb)


def _pick_tones(
    rng: np.random.Generator,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Pick background, skin and ink colours; the face always contrasts with the background."""
    skin = rng.uniform(120, 220)
    background = np.clip(skin + rng.choice([-1, 1]) * rng.uniform(35, 100), 10, 245)
    ink = rng.uniform(15, 60)
    skin_tint = np.array([1.08, 0.92, 0.8]) * rng.uniform(0.95, 1.05, 3)
    return (
        _tone(background, rng.uniform(0.9, 1.1, 3)),
        _tone(skin, skin_tint),
        _tone(ink, np.ones(3)),
    )


class _FacePen:
    """Draws strokes in face coordinates: units of the face half-width, origin at its centre.

    Strokes are `stroke` pixels wide (times a factor) in the ink colour.
    """

    def __init__(
        self, image: Image.Image, centre: np.ndarray, half_width: float, ink: tuple, stroke: int
    ) -> None:
        self.draw = ImageDraw.Draw(image)
        self.centre, self.half_width, self.ink, self.stroke = centre, half_width, ink, stroke

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Return the pixel position of face coordinates (x, y); y grows downwards."""
        return (self.centre[0] + x * self.half_width, self.centre[1] + y * self.half_width)

    def box(self, x: float, y: float, half_x: float, half_y: float) -> list[float]:
        """Return the pixel bounding box of an ellipse centred at (x, y) with these half-axes."""
        return [*self.point(x - half_x, y - half_y), *self.point(x + half_x, y + half_y)]

    def line(self, points: list[tuple[float, float]], factor: float = 1.0) -> None:
        width = max(1, round(self.stroke * factor))
        self.draw.line([self.point(*p) for p in points], self.ink, width, joint="curve")

    def ellipse(self, x: float, y: float, half_x: float, half_y: float, fill: tuple) -> None:
        outline_width = max(1, self.stroke // 2)
        self.draw.ellipse(self.box(x, y, half_x, half_y), fill, self.ink, outline_width)

    def arc(
        self, x: float, y: float, half_x: float, half_y: float, start: float, end: float
    ) -> None:
        """Draw the part of an ellipse from `start` to `end` degrees, clockwise from 3 o'clock."""
        self.draw.arc(self.box(x, y, half_x, half_y), start, end, self.ink, self.stroke)


def _draw_eyes(pen: _FacePen, openness: float) -> None:
    for side in (-1, 1):
        pen.ellipse(side * 0.38, -0.12, 0.15, openness, fill=(235, 235, 235))
        pupil = min(0.06, openness)
        pen.ellipse(side * 0.38, -0.12, pupil, pupil, fill=pen.ink)


def _draw_brows(pen: _FacePen, raises: tuple[tuple[float, float], ...], inset: float) -> None:
    for side, (inner, outer) in zip((-1, 1), raises, strict=True):
        pen.line([(side * (0.14 + inset), -0.40 - inner), (side * 0.60, -0.40 - outer)])


def _draw_nose(pen: _FacePen, wrinkled: bool) -> None:
    pen.line([(0, 0.0), (-0.05, 0.22), (0.04, 0.24)], factor=0.5)
    if wrinkled:
        for side in (-1, 1):
            pen.line([(side * 0.08, 0.04), (side * 0.18, 0.12)], factor=0.5)


def _draw_mouth(pen: _FacePen, kind: str, width: float, y: float) -> None:
    """Draw the mouth `kind` centred at height y, reaching `width` to each side."""
    if kind == "straight":
        pen.line([(-width, y), (width, y)])
    elif kind == "tight":
        pen.line([(-0.7 * width, y), (0.7 * width, y)], factor=1.6)
    elif kind == "smile":
        pen.arc(0, y - 0.08, width, 0.2, start=20, end=160)
    elif kind == "frown":
        pen.arc(0, y + 0.14, width, 0.18, start=200, end=340)
    elif kind == "open":
        pen.ellipse(0, y, 0.45 * width, 0.18, fill=pen.ink)
    elif kind == "stretched":
        pen.ellipse(0, y, 1.2 * width, 0.09, fill=pen.ink)
    else:
        wry = [(-1.0, 0.06), (-0.4, -0.04), (0.1, 0.05), (0.6, -0.08), (1.0, -0.12)]
        pen.line([(x * width, y + dy) for x, dy in wry])


def _draw_face(emotion: str, rng: np.random.Generator) -> Image.Image:
    """Draw one jittered face of `emotion` and return it as a 100x100 RGB image."""
    expression = EXPRESSIONS[emotion]
    canvas = RAF_SIZE * DRAW_SCALE
    background, skin, ink = _pick_tones(rng)
    image = Image.new("RGB", (canvas, canvas), background)
    shift = 3 * canvas / FER_SIZE
    centre = canvas / 2 + rng.uniform(-shift, shift, 2)
    half_width = canvas * rng.uniform(0.3, 0.36)
    pen = _FacePen(image, centre, half_width, ink, stroke=max(2, round(0.13 * half_width)))
    pen.draw.ellipse(pen.box(0, 0, 1.0, 1.25), fill=skin)
    raises = tuple(
        tuple(r + rng.normal(0, 0.025) for r in brow) for brow in expression.brow_raise
    )
    _draw_eyes(pen, expression.eye_open * rng.uniform(0.8, 1.2))
    _draw_brows(pen, raises, expression.brow_inset)
    _draw_nose(pen, wrinkled=emotion == "disgust")
    _draw_mouth(
        pen, expression.mouth, 0.34 * rng.uniform(0.85, 1.15), 0.55 + rng.normal(0, 0.03)
    )
    angle = rng.uniform(-8, 8)
    image = image.rotate(
        angle, Image.Resampling.BICUBIC, center=tuple(centre), fillcolor=background
    )
    return image.resize((RAF_SIZE, RAF_SIZE), Image.Resampling.LANCZOS)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _render(split: str, number: int, emotion: str, usage: str, seed: int) -> Face:
    """Render face `number` of `split`; its pixels depend only on seed, split and number."""
    rng = np.random.default_rng([seed, SPLITS.index(split), number])
    drawn = np.asarray(_draw_face(emotion, rng), dtype=np.float64)
    noisy = drawn + rng.normal(0, rng.uniform(4, 10), drawn.shape)
    rgb = Image.fromarray(np.clip(np.round(noisy), 0, 255).astype(np.uint8))
    gray = rgb.convert("L").resize((FER_SIZE, FER_SIZE), Image.Resampling.BICUBIC)
    return Face(split, number, emotion, usage, np.asarray(gray), _jpeg(gray), _jpeg(rgb))


def _make_faces(split: str, per_class: int, seed: int) -> list[Face]:
    """Render per_class faces of each emotion for `split`, numbered 1.. in shuffled class order.

    In test, the first half (rounded down) of each class is PublicTest and the rest
    PrivateTest; train faces are all Training.
    """
    order = np.random.default_rng([seed, SPLITS.index(split)]).permutation(
        np.repeat(np.arange(len(EMOTIONS)), per_class)
    )
    seen = dict.fromkeys(EMOTIONS, 0)
    faces = []
    for number, label in enumerate(order, start=1):
        emotion = EMOTIONS[label]
        seen[emotion] += 1
        if split == "train":
            usage = "Training"
        else:
            usage = "PublicTest" if seen[emotion] <= per_class // 2 else "PrivateTest"
        faces.append(_render(split, number, emotion, usage, seed))
    return faces


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _write_fer_folders(root: Path, faces: list[Face]) -> None:
    for face in faces:
        _write_file(root / face.fer_name, face.gray_jpeg)


def _zip_entry(name: str) -> zipfile.ZipInfo:
    """Return a zip entry with a fixed timestamp and attributes, so the archive is byte-stable."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.create_system = 3  # Unix, on every platform, so the attributes below apply.
    info.compress_type = zipfile.ZIP_STORED
    is_folder = name.endswith("/")
    # Unix mode in the high 16 bits; 0x10 is the MS-DOS directory flag.
    info.external_attr = ((0o40755 << 16) | 0x10) if is_folder else (0o100644 << 16)
    return info


def _write_fer_zip(path: Path, faces: list[Face]) -> None:
    """Write the image folders as a zip with train/ and test/ at its root, as Kaggle does."""
    folders = sorted(
        {f"{face.split}/" for face in faces}
        | {f"{face.split}/{face.emotion}/" for face in faces}
    )
    with zipfile.ZipFile(path, "w") as archive:
        for folder in folders:
            archive.writestr(_zip_entry(folder), b"")
        for face in sorted(faces, key=lambda face: face.fer_name):
            archive.writestr(_zip_entry(face.fer_name), face.gray_jpeg)


def _write_fer_csv(path: Path, faces: list[Face]) -> None:
    """Write fer2013.csv: Training rows, then PublicTest, then PrivateTest rows."""
    usage_order = ("Training", "PublicTest", "PrivateTest")
    rows = ["emotion,pixels,Usage"]
    for face in sorted(faces, key=lambda face: (usage_order.index(face.usage), face.number)):
        # FER-2013's numeric labels follow EMOTIONS order by definition.
        label = EMOTIONS.index(face.emotion)
        pixels = " ".join(str(value) for value in face.gray.ravel())
        rows.append(f"{label},{pixels},{face.usage}")
    path.write_text("\n".join(rows) + "\n")


def _write_rafdb_official(root: Path, faces: list[Face]) -> None:
    lines = []
    for face in faces:
        _write_file(root / "basic/Image/aligned" / f"{face.stem}_aligned.jpg", face.rgb_jpeg)
        lines.append(f"{face.stem}.jpg {RAFDB_LABELS[face.emotion]}")
    _write_file(
        root / "basic/EmoLabel/list_patition_label.txt", ("\n".join(lines) + "\n").encode()
    )


def _write_rafdb_kaggle(root: Path, faces: list[Face]) -> None:
    tables = {split: ["image,label"] for split in SPLITS}
    for face in faces:
        label = RAFDB_LABELS[face.emotion]
        name = f"{face.stem}_aligned.jpg"
        _write_file(root / "DATASET" / face.split / str(label) / name, face.rgb_jpeg)
        tables[face.split].append(f"{name},{label}")
    for split, rows in tables.items():
        _write_file(root / f"{split}_labels.csv", ("\n".join(rows) + "\n").encode())


def _write_layouts(root: Path, faces: list[Face]) -> None:
    _write_fer_folders(root / LAYOUT_PATHS["fer2013"], faces)
    _write_fer_zip(root / LAYOUT_PATHS["fer2013_zip"], faces)
    _write_fer_csv(root / LAYOUT_PATHS["fer2013_csv"], faces)
    _write_rafdb_official(root / LAYOUT_PATHS["rafdb_official"], faces)
    _write_rafdb_kaggle(root / LAYOUT_PATHS["rafdb_kaggle"], faces)


def _manifest(train_per_class: int, test_per_class: int, seed: int) -> dict[str, object]:
    return {
        "generator": __name__,
        "version": FIXTURE_VERSION,
        "train_per_class": train_per_class,
        "test_per_class": test_per_class,
        "seed": seed,
    }


def _contains_fixture(root: Path, manifest: dict[str, object]) -> bool:
    """Return whether `root` contains this fixture already, or False if it is missing or empty.

    Raises FileExistsError if `root` is a file or contains anything else, because
    make_fixture never writes into other content.
    """
    if not root.exists() or (root.is_dir() and not any(root.iterdir())):
        return False
    try:
        found = json.loads((root / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        found = None
    if found == manifest:
        return True
    if isinstance(found, dict) and found.get("generator") == __name__:
        content = f"a fixture made with {found}"
        remedy = "Delete that folder to write it again, or choose another folder"
    else:
        content = "other content"
        remedy = "Choose another folder"
    raise FileExistsError(
        f"{root} already contains {content}, and make_fixture never writes into existing "
        f"content. {remedy} for the fixture {manifest}."
    )


TRAIN_PER_CLASS = 100
TEST_PER_CLASS = 20
"""Default fixture size: enough training steps per epoch for the models' BatchNorm
statistics to settle within a few epochs, small enough for a CPU run of minutes."""


def make_fixture(
    root: Path | str,
    train_per_class: int = TRAIN_PER_CLASS,
    test_per_class: int = TEST_PER_CLASS,
    seed: int = 0,
) -> Path:
    """Write the synthetic dataset in every layout under `root` and return `root`.

    Writes fer2013/ (image folders), fer2013_archive.zip, fer2013.csv, rafdb_official/
    and rafdb_kaggle/ with train_per_class and test_per_class faces of each emotion,
    plus fixture.json recording the parameters. The files depend only on the
    parameters, so two calls with the same ones write byte-identical files (given the
    same numpy and Pillow versions, whose random streams and JPEG encoder they use).

    When `root` already contains the fixture made with the same parameters, nothing is
    written. The files are written to a staging folder beside `root`, which is then
    renamed to `root`, so a reader never sees half a fixture. Nothing existing is ever
    deleted or overwritten.
    Raises ValueError for train_per_class below 1 or test_per_class below 2 (each test
    class needs a PublicTest and a PrivateTest face), and FileExistsError when `root`
    is a file or contains other content.
    """
    if train_per_class < 1 or test_per_class < 2:
        raise ValueError(
            "train_per_class must be at least 1 and test_per_class at least 2, got "
            f"{train_per_class} and {test_per_class}."
        )
    root = Path(root).expanduser()
    manifest = _manifest(train_per_class, test_per_class, seed)
    if _contains_fixture(root, manifest):
        return root
    faces = _make_faces("train", train_per_class, seed) + _make_faces(
        "test", test_per_class, seed
    )
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    _write_layouts(staging, faces)
    (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    try:
        # NOTE: on Windows os.rename cannot replace an existing empty folder, so there
        # `root` must not exist yet.
        os.rename(staging, root)
    except OSError:
        shutil.rmtree(staging)
        if not _contains_fixture(root, manifest):
            raise
    return root


def fixture_root() -> Path:
    """Return where the bundled fixture lives.

    That is $FER_FIXTURE_DIR if set; else <checkout>/data/fixture when this package sits
    in a source checkout (the folder above fer_utils has pyproject.toml); else
    ~/.cache/fer_utils/fixture.
    """
    configured = os.environ.get("FER_FIXTURE_DIR")
    if configured:
        return Path(configured).expanduser()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data" / "fixture"
    return Path.home() / ".cache" / "fer_utils" / "fixture"


def fixture_path(layout: str = "fer2013") -> Path:
    """Return the path of one layout of the default fixture, writing the fixture if missing.

    layout is one of "fer2013", "fer2013_zip", "fer2013_csv", "rafdb_official" and
    "rafdb_kaggle". Raises ValueError for any other name, listing the valid ones.
    """
    if layout not in LAYOUT_PATHS:
        raise ValueError(
            f"Unknown fixture layout {layout!r}: expected one of {', '.join(LAYOUT_PATHS)}."
        )
    return make_fixture(fixture_root()) / LAYOUT_PATHS[layout]


def main(argv: Sequence[str] | None = None) -> None:
    """Write the fixture to the folder given on the command line and print where it is."""
    parser = argparse.ArgumentParser(
        prog="python -m fer_utils.fixtures",
        description="Write the synthetic FER fixture dataset in every layout the loaders read.",
    )
    parser.add_argument(
        "root",
        nargs="?",
        type=Path,
        help="output folder (default: %(default)s)",
        default=fixture_root(),
    )
    parser.add_argument(
        "--train-per-class",
        type=int,
        default=TRAIN_PER_CLASS,
        help="train faces per emotion (default: %(default)s)",
    )
    parser.add_argument(
        "--test-per-class",
        type=int,
        default=TEST_PER_CLASS,
        help="test faces per emotion (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    root = make_fixture(args.root, args.train_per_class, args.test_per_class, args.seed)
    print(root)


if __name__ == "__main__":
    main()
