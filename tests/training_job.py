"""Train a small improved SE run on random faces; used by the resume tests as a child process.

Usage: python training_job.py OUTPUT_DIR EPOCHS [TRAIN_IMAGES]. Prints the Keras backend's name first
and saves the final weights to OUTPUT_DIR/final.npz.
"""

import sys

import keras
import numpy as np

from fer_utils.data.dataset import Split
from fer_utils.models import build_model
from fer_utils.recipes import Recipe
from fer_utils.training import train


def random_split(count: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    return Split(
        rng.integers(0, 256, (count, 48, 48, 1)).astype("uint8"),
        rng.integers(0, 7, count),
        np.array([f"face_{i}.png" for i in range(count)]),
        np.array(["Training"] * count),
    )


if __name__ == "__main__":
    output_dir, epochs = sys.argv[1], int(sys.argv[2])
    train_images = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    print(f"backend {keras.backend.backend()}")
    keras.utils.set_random_seed(3)
    network = build_model("improved_se")
    recipe = Recipe(learning_rate=1e-3, epochs=epochs, batch_size=16)
    train(network, random_split(train_images, 0), random_split(32, 1), recipe, output_dir, seed=3)
    np.savez(f"{output_dir}/final.npz", *network.get_weights())
