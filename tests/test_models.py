import subprocess
import sys

import numpy as np
import pytest

from fer_utils.models import BUILDERS, PARAMETER_COUNTS, build_model
from fer_utils.se_block import SqueezeExcitation


@pytest.mark.parametrize("name", sorted(PARAMETER_COUNTS))
def test_parameter_count_matches_report(name):
    model = build_model(name)
    assert model.count_params() == PARAMETER_COUNTS[name]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_output_is_probability_per_emotion(name):
    model = build_model(name)
    images = np.random.default_rng(0).integers(0, 256, (3, 48, 48, 1)).astype("uint8")
    probabilities = np.asarray(model(images, training=False))
    assert probabilities.shape == (3, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_output_layer_float32_under_mixed_policy():
    import keras

    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = build_model("improved_se")
    finally:
        keras.config.set_dtype_policy("float32")
    assert model.layers[-1].compute_dtype == "float32"
    assert model.layers[1].compute_dtype == "bfloat16"


def test_unknown_model_name_lists_valid_names():
    with pytest.raises(ValueError, match="'resnet'.*shallow, deep, se, improved_se"):
        build_model("resnet")


def test_l2_only_where_report_used_it():
    def l2_weights(model):
        return [float(layer.kernel_regularizer.l2) for layer in model.layers
                if getattr(layer, "kernel_regularizer", None) is not None]

    assert l2_weights(build_model("improved_se")) == []
    for name in ("shallow", "deep", "se"):
        weights = l2_weights(build_model(name))
        assert len(weights) >= 3
        assert weights == pytest.approx([1e-6] * len(weights))


def test_se_block_shape_and_gates():
    block = SqueezeExcitation(ratio=16)
    features = np.ones((2, 5, 5, 32), dtype="float32")
    scaled = np.asarray(block(features))
    assert scaled.shape == features.shape
    assert block.count_params() == 2 * 32 * 32 // 16
    assert np.all((scaled > 0) & (scaled < 1))


def test_se_block_rejects_too_few_channels():
    with pytest.raises(ValueError, match="at least ratio=16 channels"):
        SqueezeExcitation(ratio=16)(np.ones((1, 4, 4, 8), dtype="float32"))


ROUND_TRIP = """
import sys
import numpy as np

from fer_utils.models import load_model

model = load_model(sys.argv[1])
images = np.load(sys.argv[2])
np.save(sys.argv[3], model.predict(images, verbose=0))
"""


@pytest.mark.parametrize("name", ["se", "improved_se"])
def test_keras_file_round_trip_in_fresh_process(name, tmp_path):
    model = build_model(name)
    images = np.random.default_rng(1).integers(0, 256, (4, 48, 48, 1)).astype("uint8")
    expected = model.predict(images, verbose=0)
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "images.npy", images)
    subprocess.run(
        [sys.executable, "-c", ROUND_TRIP, str(tmp_path / "model.keras"), str(tmp_path / "images.npy"),
         str(tmp_path / "predictions.npy")],
        check=True,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "predictions.npy"), expected)
