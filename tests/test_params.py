import pytest

from fer_utils.notebook_params import NOTEBOOK_PARAMETERS, check_parameters
from fer_utils.params import check_fraction, check_max_images, check_positive_int, check_writable_dir

DEFAULTS = {
    "data_dir": None, "epochs": 3, "batch_size": 32, "seed": 0, "output_dir": None,
    "max_train_images": None, "overwrite": False, "preset": "auto", "precision": "float32",
    "validation_fraction": 0.2, "class_weighting": False,
}


@pytest.mark.parametrize("value", [0, -3, 2.5, "10", True, None])
def test_positive_int_rejects(value):
    with pytest.raises(ValueError, match=rf"epochs must be a positive integer .*got {value!r}"):
        check_positive_int("epochs", value)


@pytest.mark.parametrize("value", [0, 1, -0.1, 1.5, "0.5"])
def test_fraction_rejects(value):
    with pytest.raises(ValueError, match="validation_fraction must be a number strictly between 0 and 1"):
        check_fraction("validation_fraction", value)


def test_threshold_accepts_bounds():
    assert check_fraction("confidence_threshold", 1, inclusive=True) == 1.0
    with pytest.raises(ValueError, match="confidence_threshold .* inclusive, got 1.2"):
        check_fraction("confidence_threshold", 1.2, inclusive=True)


def test_max_images_range_names_available_count():
    assert check_max_images("max_train_images", None, 10) is None
    assert check_max_images("max_train_images", 10, 10) == 10
    with pytest.raises(ValueError, match="max_train_images .* from 1 to 10, got 11"):
        check_max_images("max_train_images", 11, 10)


def test_unwritable_output_dir(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(ValueError, match="output_dir=.*a_file/run.* cannot be created"):
        check_writable_dir("output_dir", blocker / "run")


def test_unknown_notebook_parameter_is_error():
    namespace = dict(DEFAULTS, epoch=5)
    with pytest.raises(ValueError, match="Unknown parameter\\(s\\) epoch for notebook 05_improved_se"):
        check_parameters(namespace, set(), "05_improved_se")


def test_names_defined_before_parameters_are_allowed():
    namespace = dict(DEFAULTS, keras="module")
    assert check_parameters(namespace, {"keras"}, "05_improved_se") == DEFAULTS


@pytest.mark.parametrize("name, value, message", [
    ("epochs", 0, "epochs must be a positive integer"),
    ("batch_size", 2.5, "batch_size must be a positive integer"),
    ("preset", "fast", "preset must be one of auto, report, fixture"),
    ("max_train_images", 0, "max_train_images must be a positive integer"),
    ("precision", "float16", "precision must be one of float32, mixed_float16, mixed_bfloat16, auto"),
    ("overwrite", "yes", "overwrite must be True or False"),
    ("seed", -1, "seed must be an integer >= 0"),
])
def test_bad_notebook_value_is_error(name, value, message):
    with pytest.raises(ValueError, match=message):
        check_parameters(dict(DEFAULTS, **{name: value}), set(), "05_improved_se")


def test_every_notebook_has_common_parameters():
    for names in NOTEBOOK_PARAMETERS.values():
        assert {"data_dir", "seed", "output_dir", "max_train_images"} <= set(names)
