"""On-disk cache of decoded splits, keyed by the source's identity and the loader's parameters.

A cache file is an uncompressed .npz archive named after a SHA-256 of the cache format
version, the loader name, its parameters and the source identity. A file's identity is
its absolute path, size and mtime in ns. A folder's identity is the relative name, size
and mtime of every file in it. A changed source therefore gets a new key and is read
again, and the old cache file stays until the user deletes it. The cache writes only
inside its own folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_utils.data.dataset import Split
from fer_utils.data.errors import emit_warnings

CACHE_FORMAT_VERSION = 1
"""Bumped whenever the decoded arrays or the file layout change, which invalidates old files."""

SPLIT_FIELDS = ("images", "labels", "files", "origins")


@dataclass(frozen=True)
class Loaded:
    """A loader's result before it becomes a Dataset: both splits and the warnings to issue."""

    train: Split
    test: Split
    warnings: tuple[str, ...]


def default_cache_dir() -> Path:
    """Return $FER_CACHE_DIR if set, else ~/.cache/fer_utils."""
    configured = os.environ.get("FER_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "fer_utils"


def file_identity(path: Path) -> dict[str, object]:
    """Return the absolute path, size in bytes and mtime in ns of one source file."""
    stat = path.stat()
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def cache_path(cache_dir: Path, loader: str, identity: object, parameters: dict) -> Path:
    """Return the cache file for `loader` reading the source `identity` with `parameters`."""
    key = json.dumps(
        {
            "format": CACHE_FORMAT_VERSION,
            "loader": loader,
            "parameters": parameters,
            "source": identity,
        },
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return cache_dir / f"{loader}-{digest}.npz"


def _write(path: Path, loaded: Loaded) -> None:
    arrays = {
        f"{split_name}_{field}": getattr(split, field)
        for split_name, split in (("train", loaded.train), ("test", loaded.test))
        for field in SPLIT_FIELDS
    }
    arrays["warnings"] = np.array(loaded.warnings, dtype=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False)
    try:
        with handle:
            np.savez(handle, **arrays)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _read(path: Path) -> Loaded:
    with np.load(path, allow_pickle=False) as archive:
        splits = [
            Split(*(archive[f"{split_name}_{field}"] for field in SPLIT_FIELDS))
            for split_name in ("train", "test")
        ]
        return Loaded(splits[0], splits[1], tuple(str(w) for w in archive["warnings"]))


def load_cached(
    loader: str,
    identity: object,
    parameters: dict,
    build: Callable[[], Loaded],
    cache_dir: Path | str | None,
    use_cache: bool,
) -> Loaded:
    """Return the cached result for this source and parameters, or `build()` it and cache it.

    With use_cache=False nothing is read from or written to the cache. An unreadable
    cache file is rebuilt, and a cache folder that cannot be written is skipped; each
    case issues a DataWarning and loading goes on.
    """
    if not use_cache:
        return build()
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    path = cache_path(folder, loader, identity, parameters)
    if path.exists():
        try:
            return _read(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            message = (
                f"Cache file {path} could not be read ({error}); reading the source again."
            )
            emit_warnings([message], stacklevel=3)
    loaded = build()
    try:
        _write(path, loaded)
    except OSError as error:
        message = f"Could not write the cache file {path} ({error}); loading goes on uncached."
        emit_warnings([message], stacklevel=3)
    return loaded
