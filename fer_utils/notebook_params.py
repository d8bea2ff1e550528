"""The parameters each notebook accepts, and the check that papermill passed no others.

A notebook records the names defined before its `parameters` cell, then calls
check_parameters(globals(), names_before, notebook). Every name that the parameters
cell or papermill's injected cell added must be a parameter of that notebook, so a
mistyped `-p epoch 3` stops the run instead of being ignored.
"""

from os import PathLike

from fer_utils.data.kaggle import check_kaggle_source, is_kaggle_source
from fer_utils.params import POLICIES, PRESETS, check_choice, check_fraction, check_positive_int, check_seed

COMMON = ("data_dir", "epochs", "batch_size", "seed", "output_dir", "max_train_images", "overwrite")
TRAINING = COMMON + ("preset", "precision", "validation_fraction", "class_weighting")

NOTEBOOK_PARAMETERS: dict[str, tuple[str, ...]] = {
    "01_data_augmentation": ("data_dir", "seed", "output_dir", "max_train_images", "overwrite"),
    "02_shallow": TRAINING,
    "03_deep": TRAINING,
    "04_se": TRAINING,
    "05_improved_se": TRAINING,
    "06_rafdb_pseudolabel": TRAINING + ("pseudo_epochs", "unlabelled_fraction", "confidence_threshold"),
}


def check_parameter_value(name: str, value) -> None:
    """Raise ValueError when `value` is outside the range of the notebook parameter `name`."""
    if name in ("epochs", "batch_size", "pseudo_epochs", "max_train_images") and value is not None:
        check_positive_int(name, value)
    elif name == "seed":
        check_seed(value)
    elif name in ("validation_fraction", "unlabelled_fraction"):
        check_fraction(name, value)
    elif name == "confidence_threshold":
        check_fraction(name, value, inclusive=True)
    elif name == "precision":
        check_choice(name, value, POLICIES)
    elif name == "preset":
        check_choice(name, value, PRESETS)
    elif name in ("overwrite", "class_weighting") and not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}.")
    elif name == "data_dir" and is_kaggle_source(value):
        check_kaggle_source(value)
    elif name == "data_dir" and value is not None and (not isinstance(value, (str, PathLike)) or str(value) == ""):
        raise ValueError(f"data_dir must be a path, a \"kagglehub:<owner>/<name>\" handle or None, got {value!r}.")


def check_parameters(namespace: dict, names_before: set[str], notebook: str) -> dict:
    """Return the notebook's parameters from `namespace` after checking each of them.

    Raises ValueError for a name that is not a parameter of `notebook` (such as a
    mistyped papermill -p option) and for a value outside a parameter's range.
    """
    allowed = NOTEBOOK_PARAMETERS[notebook]
    added = sorted(n for n in set(namespace) - set(names_before) if not n.startswith("_"))
    unknown = [n for n in added if n not in allowed]
    if unknown:
        raise ValueError(
            f"Unknown parameter(s) {', '.join(unknown)} for notebook {notebook}. "
            f"Its parameters are: {', '.join(allowed)}. Check the spelling of papermill's -p options."
        )
    missing = [n for n in allowed if n not in namespace]
    if missing:
        raise ValueError(f"Notebook {notebook} does not define parameter(s) {', '.join(missing)}.")
    for name in allowed:
        check_parameter_value(name, namespace[name])
    return {name: namespace[name] for name in allowed}
