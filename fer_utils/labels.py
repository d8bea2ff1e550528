"""The canonical emotion classes and the mappings of each dataset onto them."""

EMOTIONS: tuple[str, ...] = (
    "angry",
    "disgust",
    "fear",
    "happy",
    "sad",
    "surprise",
    "neutral",
)
"""Class order used by every loader, metric and plot: FER-2013's own label order 0-6."""

NUM_CLASSES = len(EMOTIONS)

RAFDB_LABEL_NAMES: dict[int, str] = {
    1: "surprise",
    2: "fear",
    3: "disgust",
    4: "happy",
    5: "sad",
    6: "angry",
    7: "neutral",
}
"""RAF-DB's numeric basic-emotion labels (1-7) and the emotion each one means."""


def emotion_index(name: str) -> int:
    """Return the index of an emotion name in EMOTIONS.

    Matching ignores case and surrounding whitespace. Raises ValueError for a name
    that is not one of the seven emotions, listing the accepted names.
    """
    key = name.strip().lower()
    if key not in EMOTIONS:
        raise ValueError(
            f"Unknown emotion {name!r}: expected one of {', '.join(EMOTIONS)}."
        )
    return EMOTIONS.index(key)


def rafdb_label_to_index(label: int) -> int:
    """Map a RAF-DB label (1 surprise ... 7 neutral) to its index in EMOTIONS.

    Raises ValueError for a label outside 1-7.
    """
    if label not in RAFDB_LABEL_NAMES:
        raise ValueError(f"RAF-DB label {label!r} is outside 1-7.")
    return EMOTIONS.index(RAFDB_LABEL_NAMES[label])
