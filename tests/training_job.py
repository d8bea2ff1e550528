"""Train small_network() on random faces, as a child process of the resume and backend tests.

Usage: python training_job.py OUTPUT_DIR EPOCHS [TRAIN_IMAGES]. Prints the Keras backend's
name first and saves the final weights to OUTPUT_DIR/final.npz.
"""

import sys

import keras
import numpy as np

from fer_utils.data.dataset import Split
from fer_utils.recipes import Recipe
from fer_utils.se_block import SqueezeExcitation
from fer_utils.training import train


def small_network() -> keras.Model:
    """Build a tiny network with a convolution, BatchNorm, an SE block, dropout and a dense head.

    With the augmentation stage that train() adds, its checkpoint contains the same kinds
    of state as the report's networks: weights, BatchNorm moving statistics, optimizer
    variables and random-generator states. Tests of training's bookkeeping use it because
    it compiles in seconds.
    """
    inputs = keras.Input(shape=(48, 48, 1))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = SqueezeExcitation(ratio=4)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    return keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(x), name="small")


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
    # 256 faces make an epoch long enough (about 0.3 s on a 2-core CPU) for the killed-run
    # test to stop the job between its epochs 2 and 3.
    train_images = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    print(f"backend {keras.backend.backend()}")
    keras.utils.set_random_seed(3)
    network = small_network()
    recipe = Recipe(learning_rate=1e-3, epochs=epochs, batch_size=16)
    train(network, random_split(train_images, 0), random_split(32, 1), recipe, output_dir, seed=3)
    np.savez(f"{output_dir}/final.npz", *network.get_weights())
