"""Facial expression recognition with CNNs and squeeze-and-excitation blocks.

The package is split by concept: labels, data (loaders, cache, splits), fixtures,
augmentation, models, training, evaluation and plots.
"""

from fer_utils.labels import EMOTIONS, NUM_CLASSES

__all__ = ["EMOTIONS", "NUM_CLASSES"]
__version__ = "0.1.0"
