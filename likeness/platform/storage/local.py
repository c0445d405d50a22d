"""The local folder: objects are files under the instance folder, written atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from likeness.platform.storage.base import check_key, check_prefix, is_data_key


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def write(self, key: str, data: bytes) -> None:
        write_atomically(self.path(key), data)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        folder = self.root / check_prefix(prefix).rstrip("/")
        if prefix.endswith("/"):
            with contextlib.suppress(FileNotFoundError):  # nothing there: nothing to delete
                shutil.rmtree(folder)
            return
        for key in list(self.keys(prefix)):
            self.delete(key)

    def keys(self, prefix: str) -> Iterator[str]:
        # Walk the folder the prefix names (or lies in); temporary files are not objects.
        # Any prefix may be listed ("pre-restore-"), but only data objects are yielded.
        if prefix.startswith("/") or ".." in prefix.split("/"):
            return
        folder = self.root / prefix if prefix.endswith("/") else (self.root / prefix).parent
        if not folder.is_dir():
            return
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix) and is_data_key(key):
                    yield key

    def move(self, source: str, target: str) -> None:
        destination = self.path(target)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path(source), destination)
