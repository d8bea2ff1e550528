"""Loaders that decode FER-2013 and RAF-DB into in-memory uint8 arrays."""
