"""The report's training-time augmentation, rebuilt from Keras 3 preprocessing layers.

Keras 3 removed ImageDataGenerator. The same transforms, as Keras layers, run on whole
batches inside the compiled training step (on the GPU when there is one) and are the
identity at inference, so validation and test images are never augmented.
"""

import keras
from keras import layers, ops

ROTATION_DEGREES = 10.0
SHIFT_FRACTION = 0.08
ZOOM_FRACTION = 0.08
BRIGHTNESS_RANGE = (0.8, 1.2)


@keras.saving.register_keras_serializable(package="fer_utils")
class RandomBrightnessScale(layers.Layer):
    """Multiply each image by one random factor drawn uniformly from value_range.

    This is ImageDataGenerator's brightness_range: a multiplicative change, unlike
    keras.layers.RandomBrightness, which adds an offset. Pixels stay in [0, max_value].
    Active only when called with training=True.
    """

    def __init__(self, value_range=BRIGHTNESS_RANGE, max_value=255.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        low, high = value_range
        if not 0 < low <= high:
            raise ValueError(f"value_range must satisfy 0 < low <= high, got {value_range}.")
        self.value_range = (float(low), float(high))
        self.max_value = float(max_value)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        batch = ops.shape(images)[0]
        factors = keras.random.uniform(
            (batch, 1, 1, 1),
            minval=self.value_range[0],
            maxval=self.value_range[1],
            seed=self.seed_generator,
            dtype=images.dtype,
        )
        return ops.clip(images * factors, 0.0, self.max_value)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "max_value": self.max_value,
            "seed": self.seed,
        }


def build_augmentation(seed: int | None = None, input_shape=(48, 48, 1)) -> keras.Sequential:
    """Build the report's augmentation as one Sequential, applied to 0-255 pixel batches.

    Horizontal flip; rotation within +-10 degrees; width and height shifts up to 8%;
    zoom 0.92-1.08 on each axis; brightness times a factor in [0.8, 1.2]. Empty
    pixels take the nearest edge value. The layers always compute in float32, so they
    also work under a mixed-precision policy. A given seed gives the same stream of
    transforms on a given backend.
    """

    def layer_seed(offset):
        return None if seed is None else seed + offset

    fill = {"fill_mode": "nearest", "interpolation": "bilinear", "dtype": "float32"}
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.RandomFlip("horizontal", seed=layer_seed(1), dtype="float32"),
            layers.RandomRotation(ROTATION_DEGREES / 360.0, seed=layer_seed(2), **fill),
            layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, seed=layer_seed(3), **fill),
            layers.RandomZoom(
                (-ZOOM_FRACTION, ZOOM_FRACTION),
                (-ZOOM_FRACTION, ZOOM_FRACTION),
                seed=layer_seed(4),
                **fill,
            ),
            RandomBrightnessScale(seed=layer_seed(5), dtype="float32"),
        ],
        name="augmentation",
    )
