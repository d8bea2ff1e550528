import math

import numpy as np
import pytest

from fer_utils import checkpoint
from fer_utils.data.dataset import Split
from fer_utils.labels import EMOTIONS, NUM_CLASSES
from fer_utils.pseudolabel import (
    FIXTURE_EPOCHS,
    FIXTURE_PSEUDO_EPOCHS,
    REPORT_EPOCHS,
    REPORT_PSEUDO_EPOCHS,
    UnlabelledPool,
    add_pseudo_labels,
    check_first_phase_budget,
    choose_phase_recipes,
    join_phases,
    prepare_semi_supervised_data,
    pseudo_label_table,
    record_pseudo_labels,
    score_pseudo_labels,
    select_pseudo_labels,
)


@pytest.fixture(scope="module")
def rafdb_dir(fixture_dir):
    return fixture_dir / "rafdb_official"


@pytest.fixture(scope="module")
def data(rafdb_dir):
    return prepare_semi_supervised_data(rafdb_dir, unlabelled_fraction=0.2, validation_fraction=0.2, seed=3)


def _files(part) -> set[str]:
    return set(part.files.tolist())


def _pool(hidden_labels) -> UnlabelledPool:
    count = len(hidden_labels)
    return UnlabelledPool(
        images=np.zeros((count, 48, 48, 1), np.uint8),
        files=np.array([f"pool_{i}.jpg" for i in range(count)]),
        origins=np.full(count, "train"),
        hidden_labels=np.asarray(hidden_labels, dtype=np.int64),
    )


def _confident(labels, confidence: float) -> np.ndarray:
    """Return (M, 7) probabilities with `confidence` on each given label, the rest spread evenly."""
    probabilities = np.full((len(labels), NUM_CLASSES), (1 - confidence) / (NUM_CLASSES - 1), np.float32)
    probabilities[np.arange(len(labels)), labels] = confidence
    return probabilities


def test_default_data_is_rafdb_fixture():
    assert prepare_semi_supervised_data(None).dataset.name == "RAF-DB"


def test_parts_are_disjoint_and_complete(data):
    train, validation, pool = _files(data.train), _files(data.validation), _files(data.unlabelled)
    assert not train & validation
    assert not train & pool
    assert not validation & pool
    assert train | validation | pool == _files(data.dataset.train)
    assert len(data.train) + len(data.validation) + len(data.unlabelled) == len(data.dataset.train)


def test_validation_and_test_hold_no_pool_image(data):
    pool = _files(data.unlabelled)
    assert not pool & _files(data.validation)
    assert not pool & _files(data.test)
    assert not _files(data.train) & _files(data.test)


def test_pool_is_stratified_fraction(data):
    total = len(data.dataset.train)
    assert len(data.unlabelled) == math.ceil(0.2 * total)
    pool_counts = data.unlabelled.class_counts()
    for emotion, count in data.dataset.train.class_counts().items():
        assert abs(pool_counts[emotion] - 0.2 * count) <= 1, emotion


def test_validation_comes_from_labelled_part(data):
    labelled = len(data.train) + len(data.validation)
    assert len(data.validation) == math.ceil(0.2 * labelled)


def test_pool_hides_its_labels(data):
    assert not hasattr(data.unlabelled, "labels")
    truth = dict(zip(data.dataset.train.files.tolist(), data.dataset.train.labels.tolist()))
    assert [truth[f] for f in data.unlabelled.files.tolist()] == data.unlabelled.hidden_labels.tolist()


def test_split_depends_only_on_seed(rafdb_dir, data):
    again = prepare_semi_supervised_data(rafdb_dir, seed=3)
    other = prepare_semi_supervised_data(rafdb_dir, seed=4)
    assert again.unlabelled.files.tolist() == data.unlabelled.files.tolist()
    assert other.unlabelled.files.tolist() != data.unlabelled.files.tolist()


def test_max_train_images_limits_all_parts(rafdb_dir):
    limited = prepare_semi_supervised_data(rafdb_dir, max_train_images=70, seed=0)
    assert len(limited.train) + len(limited.validation) + len(limited.unlabelled) == 70


def test_nothing_on_disk_changes(tmp_path, fixture_dir):
    def snapshot():
        return sorted((str(p.relative_to(fixture_dir)), p.stat().st_size, p.stat().st_mtime_ns)
                      for p in fixture_dir.rglob("*"))

    before = snapshot()
    prepare_semi_supervised_data(fixture_dir / "rafdb_official", seed=1)
    assert snapshot() == before


def test_fer2013_layout_works(fixture_dir):
    fer = prepare_semi_supervised_data(fixture_dir / "fer2013", seed=0)
    assert fer.dataset.name == "FER-2013"
    assert len(fer.unlabelled) == math.ceil(0.2 * len(fer.dataset.train))
    assert set(fer.test.origins.tolist()) == {"PublicTest", "PrivateTest"}


@pytest.mark.parametrize("name, value", [("unlabelled_fraction", 0), ("unlabelled_fraction", 1.0),
                                         ("validation_fraction", 1.5)])
def test_bad_fraction_is_error(rafdb_dir, name, value):
    with pytest.raises(ValueError, match=f"{name} must be a number strictly between 0 and 1"):
        prepare_semi_supervised_data(rafdb_dir, **{name: value})


def test_selection_keeps_threshold_and_above():
    probabilities = np.array([
        [0.90, 0.10, 0, 0, 0, 0, 0],
        [0.05, 0.89, 0.06, 0, 0, 0, 0],
        [0, 0, 0, 0.95, 0.05, 0, 0],
        [0.2, 0.2, 0.2, 0.2, 0.1, 0.05, 0.05],
    ], dtype=np.float32)
    pseudo = select_pseudo_labels(probabilities, 0.9)
    assert pseudo.indices.tolist() == [0, 2]
    assert pseudo.labels.tolist() == [0, 3]
    assert pseudo.confidences.tolist() == pytest.approx([0.90, 0.95])
    assert pseudo.pool_size == 4


def test_selection_extreme_thresholds():
    probabilities = _confident([0, 1, 2], 0.5)
    assert len(select_pseudo_labels(probabilities, 0.0)) == 3
    assert len(select_pseudo_labels(probabilities, 1.0)) == 0


@pytest.mark.parametrize("shape", [(4, 6), (4,), (2, 3, 7)])
def test_selection_rejects_wrong_shape(shape):
    with pytest.raises(ValueError, match="probabilities must have shape"):
        select_pseudo_labels(np.zeros(shape), 0.9)


def test_selection_rejects_bad_threshold():
    with pytest.raises(ValueError, match="confidence_threshold must be a number between 0 and 1 inclusive"):
        select_pseudo_labels(_confident([0], 0.9), 1.5)


def test_score_against_hidden_labels():
    pool = _pool([0, 0, 3, 3, 3, 4])
    predicted = [0, 3, 3, 3, 4, 4]
    confidences = [0.95, 0.95, 0.95, 0.5, 0.95, 0.95]
    probabilities = np.stack([_confident([label], c)[0] for label, c in zip(predicted, confidences)])
    score = score_pseudo_labels(select_pseudo_labels(probabilities, 0.9), pool)
    # Kept: pool images 0 (0, right), 1 (3, wrong), 2 (3, right), 4 (4, wrong), 5 (4, right).
    assert score["kept"] == 5
    assert score["kept_fraction"] == pytest.approx(5 / 6)
    assert score["accuracy"] == pytest.approx(3 / 5)
    assert score["per_class"]["angry"] == {"pool": 2, "kept": 1, "correct": 1, "accuracy": 1.0}
    assert score["per_class"]["happy"] == {"pool": 3, "kept": 2, "correct": 1, "accuracy": 0.5}
    assert score["per_class"]["sad"] == {"pool": 1, "kept": 2, "correct": 1, "accuracy": 0.5}
    assert score["per_class"]["fear"] == {"pool": 0, "kept": 0, "correct": 0, "accuracy": None}


def test_score_with_nothing_kept():
    pool = _pool([1, 2])
    score = score_pseudo_labels(select_pseudo_labels(_confident([1, 2], 0.5), 0.9), pool)
    assert score["kept"] == 0
    assert score["accuracy"] is None


def test_table_adds_total_row():
    pool = _pool([0, 0, 3])
    score = score_pseudo_labels(select_pseudo_labels(_confident([0, 3, 3], 0.95), 0.9), pool)
    table = pseudo_label_table(score)
    assert list(table.index) == [*EMOTIONS, "all"]
    assert table.loc["all", "kept"] == 3
    assert table.loc["all", "correct"] == 2
    assert table.loc["all", "accuracy"] == pytest.approx(0.667)
    assert math.isnan(table.loc["fear", "accuracy"])


def test_combined_split_uses_pseudo_labels():
    train = Split(np.zeros((2, 48, 48, 1), np.uint8), np.array([5, 6]), np.array(["a.jpg", "b.jpg"]),
                  np.array(["train", "train"]))
    pool = _pool([0, 1, 2])
    pseudo = select_pseudo_labels(_confident([4, 1, 4], 0.95), 0.9)
    combined = add_pseudo_labels(train, pool, pseudo)
    assert combined.labels.tolist() == [5, 6, 4, 1, 4]
    assert combined.files.tolist() == ["a.jpg", "b.jpg", "pool_0.jpg", "pool_1.jpg", "pool_2.jpg"]


def test_combined_split_rejects_other_pool():
    train = Split(np.zeros((1, 48, 48, 1), np.uint8), np.array([0]), np.array(["a.jpg"]), np.array(["train"]))
    pseudo = select_pseudo_labels(_confident([0, 1], 0.95), 0.9)
    with pytest.raises(ValueError, match="selected from 2 images, but the pool has 3"):
        add_pseudo_labels(train, _pool([0, 1, 2]), pseudo)


def test_record_allows_same_labels_on_resume(tmp_path):
    pool = _pool([0, 1, 2])
    pseudo = select_pseudo_labels(_confident([0, 1, 4], 0.95), 0.9)
    first = record_pseudo_labels(tmp_path, pseudo, pool)
    assert record_pseudo_labels(tmp_path, pseudo, pool) == first
    lines = first.read_text().splitlines()
    assert lines[0] == "file,pseudo_label,confidence,true_label"
    assert lines[3] == "pool_2.jpg,sad,0.95,fear"


def test_record_rejects_other_labels_on_resume(tmp_path):
    pool = _pool([0, 1, 2])
    probabilities = _confident([0, 1, 4], 0.95)
    record_pseudo_labels(tmp_path, select_pseudo_labels(probabilities, 0.9), pool)
    probabilities[2] = _confident([4], 0.5)[0]
    with pytest.raises(ValueError, match="trained on other pseudo-labels .*3 kept, now 2"):
        record_pseudo_labels(tmp_path, select_pseudo_labels(probabilities, 0.9), pool)


def test_join_phases_marks_second_start():
    first = {"loss": [3.0, 2.0], "val_loss": [3.1, 2.1], "seconds": [1.0, 1.0]}
    second = {"loss": [1.5], "val_loss": [1.9]}
    history, phases = join_phases(first, second)
    assert history == {"loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.1, 1.9]}
    assert phases == {"labelled only": 1, "with pseudo-labels": 3}


def test_report_phases_are_25_and_10():
    labelled, pseudo = choose_phase_recipes("report", on_fixture=False)
    assert (labelled.epochs, pseudo.epochs) == (REPORT_EPOCHS, REPORT_PSEUDO_EPOCHS) == (25, 10)
    assert labelled.patience is None
    assert pseudo.patience is None
    assert labelled.learning_rate == 1e-4
    assert labelled.batch_size == 32
    assert labelled.decay


def test_auto_preset_on_fixture():
    labelled, pseudo = choose_phase_recipes("auto", on_fixture=True)
    assert (labelled.epochs, pseudo.epochs) == (FIXTURE_EPOCHS, FIXTURE_PSEUDO_EPOCHS)
    assert labelled.batch_size == 8
    assert labelled.patience is None
    assert pseudo.patience is None


def test_phase_overrides():
    labelled, pseudo = choose_phase_recipes("auto", on_fixture=False, epochs=3, pseudo_epochs=2, batch_size=16)
    assert (labelled.epochs, pseudo.epochs, pseudo.batch_size) == (3, 2, 16)


def _progress(directory, epochs):
    (directory / "checkpoint").mkdir(parents=True)
    checkpoint.save_progress(directory / "checkpoint", {"history": {"loss": [1.0] * epochs}})


def test_first_phase_budget_free_before_phase_two(tmp_path):
    _progress(tmp_path / "labelled", 3)
    check_first_phase_budget(tmp_path / "labelled", tmp_path / "pseudo_labelled", epochs=5)


def test_first_phase_budget_fixed_after_phase_two(tmp_path):
    _progress(tmp_path / "labelled", 3)
    _progress(tmp_path / "pseudo_labelled", 1)
    check_first_phase_budget(tmp_path / "labelled", tmp_path / "pseudo_labelled", epochs=3)
    with pytest.raises(ValueError, match="began after 3 labelled epochs, so epochs=5 cannot resume it. Pass epochs=3"):
        check_first_phase_budget(tmp_path / "labelled", tmp_path / "pseudo_labelled", epochs=5)
