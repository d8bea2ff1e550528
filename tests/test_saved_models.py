import zipfile

import keras
import pytest

from fer_utils.models import load_model


def test_missing_model_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.keras does not exist"):
        load_model(tmp_path / "nothing.keras")


def test_text_file_is_not_keras_archive(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("not a model")
    with pytest.raises(ValueError, match="notes.keras is not a Keras .keras archive .* Expected a model saved by this project"):
        load_model(path)


def test_zip_without_config_is_not_keras_archive(tmp_path):
    path = tmp_path / "archive.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train/angry/face.jpg", b"")
    with pytest.raises(ValueError, match="archive.keras is not a Keras .keras archive"):
        load_model(path)


def test_other_keras_model_is_rejected(tmp_path):
    path = tmp_path / "regressor.keras"
    inputs = keras.Input(shape=(3,))
    keras.Model(inputs, keras.layers.Dense(1)(inputs)).save(path)
    with pytest.raises(ValueError, match=r"regressor.keras contains a model with input \(None, 3\) and output \(None, 1\)"):
        load_model(path)
