import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from fer_utils import checkpoint
from fer_utils.recipes import Recipe
from fer_utils.training import CHECKPOINT_DIR, TrainingDivergedError, balanced_class_weights, train
from tests.training_job import random_split, small_network

JOB = Path(__file__).with_name("training_job.py")


def run_job(output_dir, epochs=3):
    completed = subprocess.run([sys.executable, "-u", str(JOB), str(output_dir), str(epochs)],
                               capture_output=True, text=True, check=True, timeout=600)
    return completed.stdout


def kill_after_epoch(output_dir, epoch, epochs=3):
    """Start the job and SIGKILL it as soon as it reports `epoch` finished."""
    child = subprocess.Popen([sys.executable, "-u", str(JOB), str(output_dir), str(epochs)],
                             stdout=subprocess.PIPE, text=True)
    for line in child.stdout:
        if line.startswith(f"epoch {epoch}/{epochs}"):
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait(timeout=600)
    return child.returncode


def final_weights(output_dir):
    with np.load(Path(output_dir) / "final.npz") as saved:
        return [saved[name] for name in saved.files]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("uninterrupted")
    stdout = run_job(output_dir)
    return output_dir, stdout


def test_fresh_run_says_so(uninterrupted):
    _, stdout = uninterrupted
    assert "Starting a fresh run of 3 epochs" in stdout
    assert stdout.count("epoch ") == 3


def test_killed_run_resumes_identically(uninterrupted, tmp_path):
    assert kill_after_epoch(tmp_path, 2) == -signal.SIGKILL
    assert not (tmp_path / "final.npz").exists()
    assert checkpoint.epochs_trained(checkpoint.load_progress(tmp_path / CHECKPOINT_DIR)) == 2
    stdout = run_job(tmp_path)
    assert "Resuming from epoch 2 of 3" in stdout
    assert "epoch 3/3" in stdout
    assert "epoch 1/3" not in stdout
    for resumed, expected in zip(final_weights(tmp_path), final_weights(uninterrupted[0])):
        np.testing.assert_array_equal(resumed, expected)
    assert history_without_seconds(tmp_path) == history_without_seconds(uninterrupted[0])


def history_without_seconds(output_dir):
    """Return history.csv's lines without the last column, the epoch's wall-clock seconds."""
    lines = (Path(output_dir) / "history.csv").read_text().splitlines()
    assert lines[0].endswith(",seconds")
    return [line.rsplit(",", 1)[0] for line in lines]


def test_finished_run_trains_on_with_more_epochs(uninterrupted, tmp_path):
    run_job(tmp_path, epochs=2)
    stdout = run_job(tmp_path, epochs=3)
    assert "Resuming from epoch 2 of 3" in stdout
    assert "epoch 3/3" in stdout
    for extended, expected in zip(final_weights(tmp_path), final_weights(uninterrupted[0])):
        np.testing.assert_array_equal(extended, expected)


def train_on_random_faces(recipe, output_dir, network=None):
    """Train `network` (default: a fresh small_network()) on 16 random faces, silently, with seed 0."""
    data = random_split(16, 0)
    keras.utils.set_random_seed(0)
    network = network if network is not None else small_network()
    return train(network, data, data, recipe, output_dir, verbose=False)


def test_checkpoint_of_other_recipe_is_error(tmp_path):
    train_on_random_faces(Recipe(1e-3, epochs=1, batch_size=8), tmp_path)
    with pytest.raises(ValueError, match="was made with recipe .* Pass the same settings"):
        train_on_random_faces(Recipe(1e-4, epochs=1, batch_size=8), tmp_path)


def test_equal_epochs_end_a_finished_run(tmp_path):
    recipe = Recipe(1e-3, epochs=2, batch_size=8)
    trained = small_network()
    train_on_random_faces(recipe, tmp_path, trained)
    state_dir = tmp_path / CHECKPOINT_DIR
    files = [tmp_path / "history.csv", checkpoint.state_file(state_dir, checkpoint.load_progress(state_dir)),
             state_dir / checkpoint.PROGRESS_FILE]
    before = [path.read_bytes() for path in files]
    resumed = small_network()
    result = train_on_random_faces(recipe, tmp_path, resumed)
    assert result.resumed_from == 2
    assert result.epochs_run == 2
    assert [path.read_bytes() for path in files] == before
    for loaded, expected in zip(resumed.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(loaded, expected)


@pytest.mark.parametrize(("patience", "kept_epoch"), [(5, 1), (None, 2)])
def test_patience_decides_kept_epoch(tmp_path, patience, kept_epoch):
    recipe = Recipe(1e-3, epochs=1, batch_size=8, patience=patience)
    first = small_network()
    train_on_random_faces(recipe, tmp_path, first)
    epoch_one = first.get_weights()
    # Recording a best val_loss below any real loss makes train() count epoch 2 as no
    # improvement, so epoch 1 stays the best epoch.
    state_dir = tmp_path / CHECKPOINT_DIR
    checkpoint.save_progress(state_dir, {**checkpoint.load_progress(state_dir), "best_val_loss": -1.0})
    network = small_network()
    result = train_on_random_faces(recipe.with_overrides(epochs=2), tmp_path, network)
    assert result.best_epoch == kept_epoch
    assert not result.stopped_early
    same = [np.array_equal(kept, old) for kept, old in zip(network.get_weights(), epoch_one)]
    assert all(same) == (kept_epoch == 1)


class Killed(Exception):
    """Simulated kill of the training process."""


def seeded_run(recipe, output_dir):
    """Train a small_network() built with seed 0 with train_on_random_faces and return it."""
    keras.utils.set_random_seed(0)
    network = small_network()
    train_on_random_faces(recipe, output_dir, network)
    return network


def kill_before_second_progress_write(monkeypatch, recipe, output_dir):
    """Run seeded_run, killing it after epoch 2's weight files are written, before its progress.

    Returns the progress that epoch 2 would have written.
    """
    real = checkpoint.save_progress
    unwritten = {}

    def save_progress(directory, progress):
        if checkpoint.epochs_trained(progress) == 2:
            unwritten.update(progress)
            raise Killed
        real(directory, progress)

    monkeypatch.setattr(checkpoint, "save_progress", save_progress)
    with pytest.raises(Killed):
        seeded_run(recipe, output_dir)
    monkeypatch.undo()
    state_dir = Path(output_dir) / CHECKPOINT_DIR
    assert checkpoint.epochs_trained(checkpoint.load_progress(state_dir)) == 1
    return unwritten


def test_kill_before_progress_resumes_recorded_epoch(tmp_path, monkeypatch):
    recipe = Recipe(1e-3, epochs=2, batch_size=8)
    expected = seeded_run(recipe, tmp_path / "uninterrupted").get_weights()
    kill_before_second_progress_write(monkeypatch, recipe, tmp_path / "killed")
    resumed = seeded_run(recipe, tmp_path / "killed")
    for weights, reference in zip(resumed.get_weights(), expected):
        np.testing.assert_array_equal(weights, reference)


def test_kill_before_progress_keeps_best_epoch(tmp_path, monkeypatch):
    recipe = Recipe(1e-3, epochs=2, batch_size=8, patience=5)
    epoch_one = seeded_run(recipe.with_overrides(epochs=1), tmp_path / "one_epoch").get_weights()
    assert kill_before_second_progress_write(monkeypatch, recipe, tmp_path / "killed")["best_epoch"] == 2
    resumed = seeded_run(recipe.with_overrides(epochs=1), tmp_path / "killed")
    for weights, reference in zip(resumed.get_weights(), epoch_one):
        np.testing.assert_array_equal(weights, reference)


def rename_to_old_file_names(state_dir, **progress_changes):
    """Give a checkpoint the fixed file names of older versions, whose progress names no file."""
    progress = checkpoint.load_progress(state_dir)
    for key, old_name in checkpoint.OLD_FILES.items():
        (state_dir / progress.pop(key)).rename(state_dir / old_name)
    checkpoint.save_progress(state_dir, {**progress, **progress_changes})


def test_old_checkpoint_resumes_identically(tmp_path):
    recipe = Recipe(1e-3, epochs=2, batch_size=8)
    expected = seeded_run(recipe, tmp_path / "uninterrupted").get_weights()
    seeded_run(recipe.with_overrides(epochs=1), tmp_path / "old")
    rename_to_old_file_names(tmp_path / "old" / CHECKPOINT_DIR)
    resumed = seeded_run(recipe, tmp_path / "old")
    for weights, reference in zip(resumed.get_weights(), expected):
        np.testing.assert_array_equal(weights, reference)


def test_old_checkpoint_keeps_its_best_file(tmp_path):
    recipe = Recipe(1e-3, epochs=1, batch_size=8, patience=5)
    epoch_one = seeded_run(recipe, tmp_path).get_weights()
    state_dir = tmp_path / CHECKPOINT_DIR
    # A best val_loss below any real loss keeps epoch 1 the best, so epoch 2 writes no best file.
    rename_to_old_file_names(state_dir, best_val_loss=-1.0)
    resumed = seeded_run(recipe.with_overrides(epochs=2), tmp_path)
    for weights, reference in zip(resumed.get_weights(), epoch_one):
        np.testing.assert_array_equal(weights, reference)
    assert {path.name for path in state_dir.iterdir()} == {"state-0002.npz", "best.npz", checkpoint.PROGRESS_FILE}


def test_equal_budget_resume_rewrites_history(tmp_path):
    recipe = Recipe(1e-3, epochs=1, batch_size=8)
    train_on_random_faces(recipe, tmp_path)
    history = tmp_path / "history.csv"
    complete = history.read_text()
    # A kill right after the checkpoint is saved leaves history.csv without the last epoch.
    history.write_text(complete.splitlines()[0] + "\n")
    train_on_random_faces(recipe, tmp_path)
    assert history.read_text() == complete


def test_checkpoint_keeps_only_named_files(tmp_path):
    seeded_run(Recipe(1e-3, epochs=3, batch_size=8, patience=5), tmp_path)
    state_dir = tmp_path / CHECKPOINT_DIR
    progress = checkpoint.load_progress(state_dir)
    expected = {"state-0003.npz", f"best-{progress['best_epoch']:04d}.npz", checkpoint.PROGRESS_FILE}
    assert {path.name for path in state_dir.iterdir()} == expected


def test_fewer_epochs_than_trained_is_error(tmp_path):
    train_on_random_faces(Recipe(1e-3, epochs=2, batch_size=8), tmp_path)
    with pytest.raises(ValueError, match="has 2 trained epochs, more than epochs=1. Pass epochs=2 or more"):
        train_on_random_faces(Recipe(1e-3, epochs=1, batch_size=8), tmp_path)


def test_early_stopped_run_is_not_trained_on(tmp_path):
    recipe = Recipe(1e-3, epochs=1, batch_size=8, patience=1)
    train_on_random_faces(recipe, tmp_path)
    # Training cannot reach this state in one epoch (the first epoch always sets the best
    # val_loss), so the test writes it: one epoch without improvement ends a patience=1 run.
    state_dir = tmp_path / CHECKPOINT_DIR
    progress = checkpoint.load_progress(state_dir)
    checkpoint.save_progress(state_dir, {**progress, "epochs_without_improvement": 1})
    assert train_on_random_faces(recipe, tmp_path).stopped_early
    result = train_on_random_faces(recipe.with_overrides(epochs=3), tmp_path)
    assert result.epochs_run == 1
    assert result.stopped_early


def test_nan_loss_names_epoch_rate_and_policy(tmp_path):
    with pytest.raises(TrainingDivergedError, match=r"epoch 1: .*learning rate 1e\+30, precision policy float32"):
        train_on_random_faces(Recipe(1e30, epochs=2, batch_size=8), tmp_path)


def test_balanced_class_weights():
    weights = balanced_class_weights(np.array([0, 0, 0, 1]))
    assert weights[0] == pytest.approx(4 / 21)
    assert weights[1] == pytest.approx(4 / 7)
    assert weights[2] == 1.0
    assert not any(math.isnan(w) for w in weights.values())
