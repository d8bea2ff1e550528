"""Per-epoch training checkpoints that let an interrupted run resume exactly.

A checkpoint is every variable of the training model (weights, BatchNorm statistics
and the random-generator states of augmentation and dropout), every optimizer
variable, the best epoch's weights, and a JSON file with the progress so far.
progress.json is the commit point: each epoch writes its state (and best weights, when
the epoch is the best so far) to new files named after the epoch, then replaces
progress.json to name them, and only then removes the files no longer named. A process
killed at any moment therefore leaves a progress.json whose files contain exactly the
epochs it records. Files that a killed run wrote but never named are removed when the
next epoch is saved.
"""

import json
import os
from pathlib import Path

import keras
import numpy as np

PROGRESS_FILE = "progress.json"
# Checkpoints written before the files were named after their epoch used these names,
# and their progress.json names no file.
OLD_FILES = {"state_file": "state.npz", "best_file": "best.npz"}
CHECKPOINT_FILE_PATTERNS = ("state-*.npz", "best-*.npz", *OLD_FILES.values(), "*.tmp")


def _write_atomic(path: Path, write) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save_variables(path: Path, variables) -> None:
    """Write the values of a list of Keras variables to an .npz file, in list order."""
    arrays = {f"v{i}": keras.ops.convert_to_numpy(v.value) for i, v in enumerate(variables)}
    _write_atomic(path, lambda handle: np.savez(handle, **arrays))


def load_variables(path: Path, variables) -> None:
    """Assign the values saved by save_variables back to the same list of variables.

    Raises ValueError naming the file when the count or a shape does not match, which
    means the checkpoint belongs to another model.
    """
    with np.load(path) as saved:
        if len(saved.files) != len(variables):
            raise ValueError(
                f"Checkpoint {path} contains {len(saved.files)} variables but the model has "
                f"{len(variables)}: it was written by another model. Use a new output_dir."
            )
        for i, variable in enumerate(variables):
            value = saved[f"v{i}"]
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Checkpoint {path} variable {i} has shape {value.shape}, the model's "
                    f"{variable.path} has {tuple(variable.shape)}. Use a new output_dir."
                )
            variable.assign(value)


def save_progress(directory: Path, progress: dict) -> None:
    """Write the run's progress (epochs done, history, early-stopping state) as JSON."""
    text = json.dumps(progress, indent=2).encode()
    _write_atomic(directory / PROGRESS_FILE, lambda handle: handle.write(text))


def save_epoch(directory: Path, progress: dict, state_variables, best_variables=None) -> None:
    """Checkpoint the epoch that `progress` ends with, writing progress.json last.

    state_variables are the training model's and optimizer's variables; best_variables,
    given when this epoch is the best so far, are the network's. Sets progress's
    "state_file" (and "best_file") to the new files' names, then removes the folder's
    state, best and temporary files that progress.json does not name.
    """
    epoch = epochs_trained(progress)
    if best_variables is not None:
        progress["best_file"] = f"best-{epoch:04d}.npz"
        save_variables(directory / progress["best_file"], best_variables)
    progress["state_file"] = f"state-{epoch:04d}.npz"
    save_variables(directory / progress["state_file"], state_variables)
    save_progress(directory, progress)
    named = {state_file(directory, progress), best_file(directory, progress)}
    for pattern in CHECKPOINT_FILE_PATTERNS:
        for path in directory.glob(pattern):
            if path not in named:
                path.unlink()


def state_file(directory: Path, progress: dict) -> Path:
    """Return the path of the training state that a run's progress names."""
    return directory / progress.get("state_file", OLD_FILES["state_file"])


def best_file(directory: Path, progress: dict) -> Path:
    """Return the path of the best epoch's network weights that a run's progress names."""
    return directory / progress.get("best_file", OLD_FILES["best_file"])


def epochs_trained(progress: dict) -> int:
    """Return the number of epochs a run's progress records."""
    return len(progress["history"].get("loss", []))


def load_progress(directory: Path) -> dict | None:
    """Return the saved progress of a run, or None when the folder has no checkpoint."""
    path = directory / PROGRESS_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text())
