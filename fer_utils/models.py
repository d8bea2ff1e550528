"""The four networks of the course report this project reproduces, for 48x48x1 faces.

Every model takes uint8-range pixels (0-255, any numeric dtype), rescales them to
[0, 1] itself and returns softmax probabilities over fer_utils.EMOTIONS. The output
layer always computes in float32, so the models also work under mixed precision.
"""

import zipfile
from collections.abc import Callable
from pathlib import Path

import keras
from keras import layers, regularizers

from fer_utils.labels import NUM_CLASSES
from fer_utils.se_block import SqueezeExcitation

INPUT_SHAPE = (48, 48, 1)
L2_WEIGHT = 1e-6
"""L2 weight decay of the shallow, deep and se networks (the improved SE net has none)."""

PARAMETER_COUNTS = {
    "shallow": 18_897_671,
    "deep": 4_478_727,
    "se": 7_954_695,
    "improved_se": 5_235_335,
}
"""Total parameters of each network in the report's Tables 1-4."""


def _l2():
    return regularizers.L2(L2_WEIGHT)


def _inputs(input_shape):
    inputs = keras.Input(shape=input_shape, name="pixels")
    return inputs, layers.Rescaling(1.0 / 255, name="rescale")(inputs)


def _head(x):
    return layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="emotion")(x)


def _conv_bn_relu(x, filters, kernel_size, l2):
    """Conv2D, BatchNorm, ReLU: the block order of the shallow and deep networks."""
    x = layers.Conv2D(filters, kernel_size, padding="same", kernel_regularizer=l2)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def _conv_relu_bn_se(x, filters, l2):
    """Conv2D 3x3 with ReLU, BatchNorm, SE(C, 16): the block order of the SE networks."""
    x = layers.Conv2D(filters, 3, padding="same", activation="relu", kernel_regularizer=l2)(x)
    x = layers.BatchNormalization()(x)
    return SqueezeExcitation(ratio=16)(x)


def build_shallow(input_shape=INPUT_SHAPE) -> keras.Model:
    """Build the shallow network: two conv blocks and a 512-unit dense layer (Table 1)."""
    inputs, x = _inputs(input_shape)
    x = _conv_bn_relu(x, 32, 3, _l2())
    x = layers.Dropout(0.25)(x)
    x = _conv_bn_relu(x, 64, 3, _l2())
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(512, activation="relu", kernel_regularizer=_l2())(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, _head(x), name="shallow")


def build_deep(input_shape=INPUT_SHAPE) -> keras.Model:
    """Build the deep network: four conv blocks, dense 256 and 512 (Table 2)."""
    inputs, x = _inputs(input_shape)
    for filters, kernel_size in ((64, 3), (128, 5), (512, 3), (512, 3)):
        x = _conv_bn_relu(x, filters, kernel_size, _l2())
        x = layers.MaxPooling2D(2)(x)
        x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    for units in (256, 512):
        x = layers.Dense(units, kernel_regularizer=_l2())(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, _head(x), name="deep")


def build_se(input_shape=INPUT_SHAPE) -> keras.Model:
    """Build the deep network with an SE block after every conv (Table 3)."""
    inputs, x = _inputs(input_shape)
    x = _conv_relu_bn_se(x, 64, _l2())
    x = _conv_relu_bn_se(x, 128, _l2())
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = _conv_relu_bn_se(x, 512, _l2())
    x = layers.MaxPooling2D(2)(x)
    x = _conv_relu_bn_se(x, 512, _l2())
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    for units in (256, 512):
        x = layers.Dense(units, activation="relu", kernel_regularizer=_l2())(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, _head(x), name="se")


def build_improved_se(input_shape=INPUT_SHAPE) -> keras.Model:
    """Build the improved SE network: narrower convs, wider head, no L2 (Table 4)."""
    inputs, x = _inputs(input_shape)
    x = _conv_relu_bn_se(x, 32, None)
    x = _conv_relu_bn_se(x, 64, None)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = _conv_relu_bn_se(x, 128, None)
    x = layers.MaxPooling2D(2)(x)
    x = _conv_relu_bn_se(x, 128, None)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    for units in (1024, 256):
        x = layers.Dense(units, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, _head(x), name="improved_se")


BUILDERS: dict[str, Callable[..., keras.Model]] = {
    "shallow": build_shallow,
    "deep": build_deep,
    "se": build_se,
    "improved_se": build_improved_se,
}


def build_model(name: str, input_shape=INPUT_SHAPE) -> keras.Model:
    """Build one of the report's networks by name: shallow, deep, se or improved_se.

    input_shape is (H, W, C); the report used (48, 48, 1). Raises ValueError for an
    unknown name, listing the valid ones.
    """
    if name not in BUILDERS:
        raise ValueError(
            f"Unknown model name {name!r}: expected one of {', '.join(BUILDERS)}."
        )
    return BUILDERS[name](tuple(input_shape))


def load_model(path) -> keras.Model:
    """Load a network saved with model.save(".keras") by this project.

    Raises FileNotFoundError for a missing file and ValueError, naming the file, when
    it is not a Keras archive or contains a model that does not map faces to the seven
    emotions.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {path} does not exist.")
    if not zipfile.is_zipfile(path) or "config.json" not in zipfile.ZipFile(path).namelist():
        raise ValueError(
            f"{path} is not a Keras .keras archive (a zip with config.json). Expected a model "
            "saved by this project, such as runs/<run>/model.keras."
        )
    try:
        model = keras.saving.load_model(path)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path} is a Keras archive that this project cannot load: {error}") from error
    if model.output_shape != (None, NUM_CLASSES) or len(model.input_shape) != 4:
        raise ValueError(
            f"{path} contains a model with input {model.input_shape} and output {model.output_shape}; "
            f"expected images (None, H, W, C) in and {NUM_CLASSES} emotion probabilities out."
        )
    return model
