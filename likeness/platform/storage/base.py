"""The storage interface every backend implements, and the rules for keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, Protocol

# Keys are relative POSIX names of our own making: no absolute paths, no `..`, no
# backslashes, nothing a crafted row could use to reach outside the store.
_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class StorageUnavailable(OSError):
    """The store did not answer as it should (unreachable, refused, bucket gone): the
    request is answered 503, a job is retried. A missing object is FileNotFoundError."""


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or any(part in {".", ".."} for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    """Objects by key. Missing objects raise FileNotFoundError on read and open."""

    name: str

    def read(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary file of the object (the caller closes it)."""
        ...

    def write(self, key: str, data: bytes) -> None:
        """Store `data` whole or not at all: a reader never sees a half-written object."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object, every earlier version included (an erased photo must not
        survive as an old version); a missing one is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with `prefix` (a folder: ends in /)."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix`, in no particular order."""
        ...

    def move(self, source: str, target: str) -> None:
        """Give an object another key (replacing any object there)."""
        ...
