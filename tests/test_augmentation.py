import keras
import numpy as np
import pytest

from fer_utils.augmentation import RandomBrightnessScale, build_augmentation


@pytest.fixture
def faces():
    return np.random.default_rng(0).integers(0, 256, (16, 48, 48, 1)).astype("float32")


def test_identity_at_inference(faces):
    augmented = keras.ops.convert_to_numpy(build_augmentation(seed=1)(faces, training=False))
    np.testing.assert_array_equal(augmented, faces)


def test_changes_images_in_training(faces):
    augmented = keras.ops.convert_to_numpy(build_augmentation(seed=1)(faces, training=True))
    changed = np.abs(augmented - faces).reshape(len(faces), -1).max(axis=1) > 1
    assert changed.mean() > 0.9
    assert augmented.min() >= 0
    assert augmented.max() <= 255


def test_same_seed_same_stream(faces):
    first, second = build_augmentation(seed=7), build_augmentation(seed=7)
    for _ in range(2):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(first(faces, training=True)),
            keras.ops.convert_to_numpy(second(faces, training=True)),
        )


def test_brightness_factor_within_range():
    flat = np.full((64, 4, 4, 1), 100.0, dtype="float32")
    scaled = keras.ops.convert_to_numpy(RandomBrightnessScale(seed=3)(flat, training=True))
    factors = scaled[:, 0, 0, 0] / 100.0
    assert factors.min() >= 0.8
    assert factors.max() <= 1.2
    assert factors.max() - factors.min() > 0.2
    np.testing.assert_array_equal(scaled, scaled[:, :1, :1, :].repeat(4, 1).repeat(4, 2))


def test_brightness_rejects_bad_range():
    with pytest.raises(ValueError, match="value_range"):
        RandomBrightnessScale(value_range=(1.2, 0.8))
