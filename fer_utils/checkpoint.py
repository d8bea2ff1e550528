"""Per-epoch training checkpoints that let an interrupted run resume exactly.

A checkpoint is every variable of the training model (weights, BatchNorm statistics
and the random-generator states of augmentation and dropout), every optimizer
variable, and a JSON file with the progress so far. Files are written to a temporary
name and then renamed, so a run killed mid-write leaves the previous checkpoint intact.

NOTE: each file is replaced atomically, but train() replaces the state and then the
progress file one after the other. A run killed between the two (a few milliseconds
on a local disk) resumes from weights one epoch ahead of its progress, so it trains that
epoch again and no longer matches an uninterrupted run. The best-epoch file, written
before both, has the same gap.
"""

import json
import os
from pathlib import Path

import keras
import numpy as np

STATE_FILE = "state.npz"
BEST_FILE = "best.npz"
PROGRESS_FILE = "progress.json"


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


def epochs_trained(progress: dict) -> int:
    """Return the number of epochs a run's progress records."""
    return len(progress["history"].get("loss", []))


def load_progress(directory: Path) -> dict | None:
    """Return the saved progress of a run, or None when the folder has no checkpoint."""
    path = directory / PROGRESS_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text())
