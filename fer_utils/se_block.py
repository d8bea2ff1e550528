"""The squeeze-and-excitation block as a serializable Keras layer."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="fer_utils")
class SqueezeExcitation(layers.Layer):
    """Squeeze-and-excitation block (Hu et al., 2018) on a (N, H, W, C) feature map.

    Global average pooling squeezes each channel to one number; Dense(C / ratio, relu,
    no bias) and Dense(C, sigmoid, no bias) turn those into per-channel gates in (0, 1);
    the output is the input scaled channel-wise by its gates, with the input's shape.
    Parameters: 2 * C * C / ratio.
    """

    def __init__(self, ratio: int = 16, **kwargs):
        super().__init__(**kwargs)
        if ratio < 1:
            raise ValueError(f"SqueezeExcitation ratio must be >= 1, got {ratio}.")
        self.ratio = ratio

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels < self.ratio:
            raise ValueError(
                f"SqueezeExcitation needs at least ratio={self.ratio} channels, "
                f"got input shape {input_shape}."
            )
        self.squeeze = layers.Dense(channels // self.ratio, activation="relu", use_bias=False, name="squeeze")
        self.excite = layers.Dense(channels, activation="sigmoid", use_bias=False, name="excite")
        self.squeeze.build((input_shape[0], channels))
        self.excite.build((input_shape[0], channels // self.ratio))

    def call(self, inputs):
        pooled = ops.mean(inputs, axis=(1, 2))
        gates = self.excite(self.squeeze(pooled))
        return inputs * ops.expand_dims(ops.expand_dims(gates, 1), 1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "ratio": self.ratio}
