"""Fit a network with its recipe: shuffled, augmented, checkpointed and resumable.

Each epoch is one call of Model.fit on the training images in an order drawn from
(seed, epoch). With the augmentation and dropout generator states saved in every
checkpoint, a resumed run gets exactly the batches and transforms that an
uninterrupted run would have seen.
"""

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from fer_utils import checkpoint
from fer_utils.augmentation import build_augmentation
from fer_utils.data.dataset import Split
from fer_utils.labels import NUM_CLASSES
from fer_utils.recipes import Recipe, make_optimizer

HISTORY_FILE = "history.csv"
MODEL_FILE = "model.keras"
CHECKPOINT_DIR = "checkpoint"


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass
class TrainingResult:
    """Outcome of a call of train().

    history: per-epoch lists, keyed loss, accuracy, val_loss, val_accuracy,
        learning_rate and seconds (wall-clock seconds of the epoch, validation included).
    best_epoch: 1-based epoch whose weights the returned network has.
    stopped_early: True when early stopping ended the run: recipe.patience epochs in a
        row without a lower val_loss, even if the last of them was the budget's last.
    resumed_from: number of epochs a checkpoint already held when this call started
        (0 for a fresh run).
    """

    history: dict[str, list[float]]
    best_epoch: int
    stopped_early: bool
    resumed_from: int
    model_path: Path
    seconds_per_epoch: float = field(init=False)

    def __post_init__(self):
        seconds = self.history.get("seconds", [])
        self.seconds_per_epoch = float(np.mean(seconds)) if seconds else math.nan

    @property
    def epochs_run(self) -> int:
        """Number of epochs trained in total, across resumed calls."""
        return len(self.history.get("loss", []))


def one_hot(labels: np.ndarray) -> np.ndarray:
    """Return (N, 7) float32 one-hot targets for (N,) integer labels."""
    return keras.utils.to_categorical(labels, NUM_CLASSES).astype("float32")


def build_training_model(network: keras.Model, recipe: Recipe, seed: int, augment: bool = True) -> keras.Model:
    """Wrap `network` with the augmentation stage and compile it with the recipe.

    The wrapper shares the network's layers, so training it trains the network.
    """
    inputs = keras.Input(shape=network.input_shape[1:], name="pixels")
    x = build_augmentation(seed=seed, input_shape=network.input_shape[1:])(inputs) if augment else inputs
    model = keras.Model(inputs, network(x), name=f"{network.name}_training")
    model.compile(
        optimizer=make_optimizer(recipe),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.optimizer.build(model.trainable_variables)
    return model


def current_learning_rate(model: keras.Model) -> float:
    """Return the optimizer's learning rate at its current step."""
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _check_finite(logs: dict, epoch: int, model: keras.Model) -> None:
    bad = {k: v for k, v in logs.items() if not math.isfinite(v)}
    if bad:
        policy = keras.config.dtype_policy().name
        raise TrainingDivergedError(
            f"Training diverged in epoch {epoch}: {bad} (learning rate "
            f"{current_learning_rate(model):.3g}, precision policy {policy}). Lower the "
            "learning rate, or use precision='float32' if a mixed policy is active."
        )


def _fresh_progress(recipe: Recipe, seed: int) -> dict:
    return {
        "recipe": recipe.to_dict(),
        "seed": seed,
        "history": {},
        "best_val_loss": None,
        "best_epoch": 0,
        "epochs_without_improvement": 0,
    }


def _resume(directory: Path, model: keras.Model, recipe: Recipe, seed: int) -> dict:
    """Load a run's checkpoint into the model, or start fresh progress when there is none.

    The checkpoint must match the recipe and seed in everything but the epoch budget,
    which may grow, or shrink down to the number of epochs already trained.
    """
    progress = checkpoint.load_progress(directory)
    if progress is None:
        return _fresh_progress(recipe, seed)
    saved = {**progress["recipe"], "epochs": recipe.epochs}
    if saved != recipe.to_dict() or progress["seed"] != seed:
        raise ValueError(
            f"The checkpoint in {directory} was made with recipe {progress['recipe']} and "
            f"seed {progress['seed']}, not {recipe.to_dict()} and seed {seed}. Pass the same "
            "settings (only epochs may differ) to resume it, or choose a new output_dir."
        )
    done = checkpoint.epochs_trained(progress)
    if recipe.epochs < done:
        raise ValueError(
            f"The checkpoint in {directory} has {done} trained epochs, more than epochs="
            f"{recipe.epochs}. Pass epochs={done} or more to resume it, or choose a new output_dir."
        )
    progress["recipe"] = recipe.to_dict()
    progress.pop("finished", None)
    checkpoint.load_variables(checkpoint.state_file(directory, progress), _state_variables(model))
    return progress


def _stopped_early(progress: dict, recipe: Recipe) -> bool:
    """Return True when the run had `recipe.patience` epochs in a row without a lower val_loss."""
    return recipe.patience is not None and progress["epochs_without_improvement"] >= recipe.patience


def _state_variables(model: keras.Model) -> list:
    return list(model.variables) + list(model.optimizer.variables)


def _record_epoch(progress: dict, logs: dict, patience: int | None) -> bool:
    """Append an epoch's logs; update the early-stopping state; return True to stop."""
    for key, value in logs.items():
        progress["history"].setdefault(key, []).append(float(value))
    epoch = len(progress["history"]["loss"])
    best = progress["best_val_loss"]
    if best is None or logs["val_loss"] < best:
        progress.update(best_val_loss=float(logs["val_loss"]), best_epoch=epoch, epochs_without_improvement=0)
        return False
    progress["epochs_without_improvement"] += 1
    return patience is not None and progress["epochs_without_improvement"] >= patience


def _write_history(path: Path, history: dict) -> None:
    columns = list(history)
    rows = zip(*(history[c] for c in columns))
    lines = ["epoch," + ",".join(columns)]
    lines += [f"{i}," + ",".join(repr(v) for v in row) for i, row in enumerate(rows, start=1)]
    path.write_text("\n".join(lines) + "\n")


def _epoch_line(epoch: int, epochs: int, logs: dict) -> str:
    return (
        f"epoch {epoch}/{epochs}  {logs['seconds']:.1f} s  loss {logs['loss']:.4f}  "
        f"accuracy {logs['accuracy']:.4f}  val_loss {logs['val_loss']:.4f}  "
        f"val_accuracy {logs['val_accuracy']:.4f}  lr {logs['learning_rate']:.3g}"
    )


def train(
    network: keras.Model,
    train_split: Split,
    val_split: Split,
    recipe: Recipe,
    output_dir: str | Path,
    *,
    seed: int = 0,
    augment: bool = True,
    class_weight: dict[int, float] | None = None,
    verbose: bool = True,
) -> TrainingResult:
    """Train `network` in place with `recipe`, checkpointing every epoch into output_dir.

    Without a checkpoint in output_dir/checkpoint the run starts fresh. With one, the run
    resumes at its next epoch. The checkpoint's seed and recipe must match, except for
    recipe.epochs, else ValueError. A larger epoch budget trains on (unless early
    stopping ended the run), one equal to the epochs already trained ends the run there,
    and a smaller one is a ValueError. It prints whether it starts or resumes.

    Writes output_dir/history.csv after every epoch and output_dir/model.keras at the
    end, holding the best epoch's weights when recipe.patience is set and the last
    epoch's otherwise. Raises TrainingDivergedError when the loss is not finite.
    """
    output_dir = Path(output_dir)
    state_dir = output_dir / CHECKPOINT_DIR
    state_dir.mkdir(parents=True, exist_ok=True)
    model = build_training_model(network, recipe, seed, augment)
    progress = _resume(state_dir, model, recipe, seed)
    done = checkpoint.epochs_trained(progress)
    if verbose:
        print(f"Resuming from epoch {done} of {recipe.epochs} in {output_dir}" if done else
              f"Starting a fresh run of {recipe.epochs} epochs in {output_dir}")

    x, y = train_split.images, one_hot(train_split.labels)
    validation = (val_split.images, one_hot(val_split.labels))
    first_epoch = recipe.epochs if _stopped_early(progress, recipe) else done
    for epoch in range(first_epoch, recipe.epochs):
        order = np.random.default_rng([seed, epoch]).permutation(len(x))
        learning_rate = current_learning_rate(model)
        started = time.perf_counter()
        fitted = model.fit(
            x[order], y[order], batch_size=recipe.batch_size, epochs=1, shuffle=False,
            validation_data=validation, class_weight=class_weight, verbose=0,
            callbacks=[keras.callbacks.TerminateOnNaN()],
        )
        logs = {k: v[-1] for k, v in fitted.history.items()}
        logs.update(learning_rate=learning_rate, seconds=time.perf_counter() - started)
        _check_finite(logs, epoch + 1, model)
        stop = _record_epoch(progress, logs, recipe.patience)
        best_weights = network.variables if progress["best_epoch"] == epoch + 1 else None
        checkpoint.save_epoch(state_dir, progress, _state_variables(model), best_weights)
        _write_history(output_dir / HISTORY_FILE, progress["history"])
        if verbose:
            print(_epoch_line(epoch + 1, recipe.epochs, logs))
        if stop:
            break

    return _finish(network, progress, state_dir, output_dir, recipe, done)


def _finish(network, progress, state_dir, output_dir, recipe, resumed_from) -> TrainingResult:
    _write_history(output_dir / HISTORY_FILE, progress["history"])
    best_epoch = checkpoint.epochs_trained(progress)
    if recipe.patience is not None and progress["best_epoch"]:
        checkpoint.load_variables(checkpoint.best_file(state_dir, progress), network.variables)
        best_epoch = progress["best_epoch"]
    model_path = output_dir / MODEL_FILE
    network.save(model_path)
    return TrainingResult(progress["history"], best_epoch, _stopped_early(progress, recipe), resumed_from, model_path)


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """Return per-class loss weights N / (7 * count), so each class weighs the same in total.

    A class without images gets weight 1.0 (it never occurs in the loss anyway).
    """
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    return {i: (len(labels) / (NUM_CLASSES * c) if c else 1.0) for i, c in enumerate(counts)}
