"""Checks of notebook parameters and public arguments, run before any work starts.

Each check raises ValueError naming the parameter, the value it got and the range it
accepts, and returns the value (normalized where that helps) when it is valid.
"""

import os
from pathlib import Path

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16", "auto")
"""The precision policies that fer_utils.precision.set_precision accepts."""
PRESETS = ("auto", "report", "fixture")
"""The training presets that fer_utils.recipes.choose_recipe accepts."""


def check_positive_int(name: str, value) -> int:
    """Accept an int >= 1 (epochs, batch_size, ...)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer (1 or more), got {value!r}.")
    return value


def check_seed(value) -> int:
    """Accept an int >= 0 as a random seed."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"seed must be an integer >= 0, got {value!r}.")
    return value


def check_fraction(name: str, value, *, inclusive: bool = False) -> float:
    """Accept a number strictly between 0 and 1 (or in [0, 1] when inclusive)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (0 <= value <= 1 if inclusive else 0 < value < 1)
    if not ok:
        bounds = "between 0 and 1 inclusive" if inclusive else "strictly between 0 and 1"
        raise ValueError(f"{name} must be a number {bounds}, got {value!r}.")
    return float(value)


def check_max_images(name: str, value, available: int) -> int | None:
    """Accept None (use all) or an int from 1 up to the `available` count."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= available:
        raise ValueError(
            f"{name} must be None (all images) or an integer from 1 to {available}, got {value!r}."
        )
    return value


def check_choice(name: str, value, choices) -> str:
    """Accept one of `choices`."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}.")
    return value


def check_writable_dir(name: str, value) -> Path:
    """Create the folder if needed and check that files can be written in it."""
    path = Path(value).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"{name}={str(value)!r} cannot be created ({error.strerror}). Choose a writable folder.") from error
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"{name}={str(value)!r} is not writable. Choose a writable folder.")
    return path
