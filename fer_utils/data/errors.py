"""The error and warning that loaders raise, and how they list offending items."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

MAX_LISTED = 10
"""How many offending items a message names before it only counts the rest."""


class DataError(ValueError):
    """A source that cannot be loaded as it is: the message names the path, row or line
    at fault and what to do about it."""


class DataWarning(UserWarning):
    """Something a loader skipped, converted or found missing while loading correctly."""


def list_items(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    """Join up to `limit` items with commas, adding "and N more" for the rest.

    Items should contain no commas themselves, so the list stays readable.
    """
    text = ", ".join(items[:limit])
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


def count_phrase(count: int, noun: str, plural: str | None = None) -> str:
    """Return "1 file" or "3 files": `count` and `noun`, or `plural` (default noun + "s")
    unless the count is 1."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural or noun + 's'}"


def emit_warnings(messages: Iterable[str], stacklevel: int = 2) -> None:
    """Issue each message as a DataWarning.

    stacklevel counts from the function that calls this one, as in warnings.warn: 2
    attributes the warnings to that function's caller.
    """
    for message in messages:
        warnings.warn(message, DataWarning, stacklevel=stacklevel + 1)
