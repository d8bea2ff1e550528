"""Read-only views of a folder or a zip archive as a list of relative file names.

Both views skip hidden and system entries (dot-files and dot-folders such as
.ipynb_checkpoints, .DS_Store and AppleDouble "._*" files, plus __MACOSX, Thumbs.db and
desktop.ini) and report them in `ignored`, so a loader can count them in one warning.
Neither view ever writes to the source.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Protocol

from fer_utils.data.errors import DataError, list_items

SYSTEM_NAMES = frozenset({"__macosx", "thumbs.db", "desktop.ini"})
"""Lower-case names of system entries that operating systems add to folders and zips."""


def is_hidden(name: str) -> bool:
    """Return whether one path component is a hidden or system entry."""
    return name.startswith(".") or name.lower() in SYSTEM_NAMES


def hidden_prefix(relative: str) -> str | None:
    """Return the path up to the first hidden component of `relative`, or None.

    "train/.ipynb_checkpoints/a.jpg" gives "train/.ipynb_checkpoints/", so a hidden
    folder counts once however many files it contains.
    """
    parts = relative.split("/")
    for depth, part in enumerate(parts):
        if is_hidden(part):
            suffix = "/" if depth < len(parts) - 1 else ""
            return "/".join(parts[: depth + 1]) + suffix
    return None


class FileTree(Protocol):
    """Files of a dataset addressed by relative POSIX names such as "train/happy/x.jpg"."""

    files: list[str]
    """Relative names of the non-hidden files, sorted."""
    ignored: list[str]
    """Skipped entries, sorted: hidden or system entries, and in a zip with a wrapping
    folder any file beside that folder."""

    def read(self, name: str) -> bytes:
        """Return the bytes of the file `name` (one of `files`); raise OSError if unreadable."""
        ...

    def location(self, name: str) -> str:
        """Return where `name` lives, for messages: a path, or "archive.zip:inner/name"."""
        ...


class FolderTree:
    """The files below a folder, listed once with their sizes and modification times."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[str] = []
        self.ignored: list[str] = []
        self.stats: list[tuple[str, int, int]] = []
        self._walk(root, "")
        self.files.sort()
        self.ignored.sort()
        self.stats.sort()

    def _walk(self, folder: Path, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if is_hidden(entry.name):
                    self.ignored.append(relative + ("/" if entry.is_dir() else ""))
                elif entry.is_dir():
                    self._walk(Path(entry.path), relative + "/")
                else:
                    stat = entry.stat()
                    self.files.append(relative)
                    self.stats.append((relative, stat.st_size, stat.st_mtime_ns))

    def identity(self) -> dict[str, list]:
        """Return what identifies the folder's content for the cache.

        That is (relative name, size in bytes, mtime in ns) of every non-hidden file, and
        the names of the skipped entries.
        """
        return {"files": self.stats, "ignored": self.ignored}

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def location(self, name: str) -> str:
        return str(self.root / name)


class ZipTree:
    """The files inside a zip archive below an optional wrapping folder, read in place.

    Use it as a context manager so the archive is closed afterwards.
    """

    def __init__(self, path: Path, required: tuple[str, ...]) -> None:
        """Open `path` and find the folder that contains the `required` top-level folders.

        That folder is the archive root or its single non-hidden top-level folder.
        Raises DataError if the file is not a zip archive or neither place has one of the
        `required` folders.
        """
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise DataError(
                f"{path} could not be opened as a zip archive ({error}). Download it again "
                "or pass the extracted folder instead."
            ) from error
        names = [info.filename for info in self._zip.infolist() if not info.is_dir()]
        self.prefix = self._find_prefix(names, required)
        self.files, self.ignored = self._split_ignored(names)

    def _find_prefix(self, names: list[str], required: tuple[str, ...]) -> str:
        visible = [name for name in names if hidden_prefix(name) is None]
        top = sorted({name.split("/")[0] for name in visible if "/" in name})
        if set(required) & set(top):
            return ""
        if len(top) == 1:
            inner = {name.split("/")[1] for name in visible if name.count("/") >= 2}
            if set(required) & inner:
                return top[0] + "/"
        self._zip.close()
        found = list_items(top) if top else "no folders"
        raise DataError(
            f"{self.path} has no {' or '.join(f'{r}/' for r in required)} folder at its root "
            f"or inside one wrapping folder (found {found}). Pass the archive of the "
            "image-folder release, which has train/ and test/ at its root."
        )

    def _split_ignored(self, names: list[str]) -> tuple[list[str], list[str]]:
        files, ignored = [], set()
        for name in names:
            marker = hidden_prefix(name)
            if marker is not None:
                ignored.add(marker)
            elif name.startswith(self.prefix):
                files.append(name[len(self.prefix) :])
            else:
                ignored.add(name)
        return sorted(files), sorted(ignored)

    def read(self, name: str) -> bytes:
        try:
            return self._zip.read(self.prefix + name)
        except zipfile.BadZipFile as error:
            raise OSError(str(error)) from error

    def location(self, name: str) -> str:
        return f"{self.path}:{self.prefix}{name}"

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def __enter__(self) -> ZipTree:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
