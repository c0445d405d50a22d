"""The storage interface every backend implements, and the rules for keys."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, Protocol

# Keys are relative POSIX names of our own making: no absolute paths, no `..`, no
# backslashes, nothing a crafted row could use to reach outside the store.
_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")

# The folders that hold data. The local store shares the instance folder with the keys
# (face keys, audit key, secret key, PDF signing key), the database file, the ledgers
# and development mail: a row that names any of those (a database write is enough to
# set one) must not reach it. So a key must start with one of these folders.
DATA_PREFIXES = ("assets", "renditions", "pdf", "selfies", "exports", "incoming",
                 "health", "sidecars")
# The shared erasure and withdrawal ledger (likeness.platform.shared_ledger): only its own
# books, so `ledger/` in the instance folder (older versions' local logs) stays out of
# reach. Backups and restores leave the ledger alone (they have their own folder list).
_LEDGER = re.compile(r"^ledger/(erasures|withdrawals)(/[0-9a-f]{64}\.json)?$")
# Where a restore moves the old data objects aside (`likeness.platform.backup`): only
# data objects under it, never a key file.
_ASIDE = re.compile(r"^pre-restore-[A-Za-z0-9_-]+$")


class NotAStorageKey(FileNotFoundError, ValueError):
    """A name that is not a key of ours. For readers it is an object that does not
    exist (a 404, never the file it names); for code that checks keys, a ValueError."""


class StorageUnavailable(OSError):
    """The store did not answer as it should (unreachable, refused, bucket gone): the
    request is answered 503, a job is retried. A missing object is FileNotFoundError."""


def check_key(key: str) -> str:
    """`key` if it names a data object; NotAStorageKey for anything else."""
    if not _in_data_folder(key, folder=False):
        # The name may come from a crafted row: not in the message, which may be logged.
        raise NotAStorageKey("not a storage key of a data object")
    return key


def check_prefix(prefix: str) -> str:
    """`prefix` if it is a data folder or lies in one (`renditions/`, `pdf/responses/`)."""
    if not _in_data_folder(prefix.rstrip("/") if isinstance(prefix, str) else "", folder=True):
        raise NotAStorageKey("not a data folder")
    return prefix


def is_data_key(key: str) -> bool:
    """Whether `key` names a data object (listings yield nothing else)."""
    return _in_data_folder(key, folder=False)


def _in_data_folder(key: object, *, folder: bool) -> bool:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        return False
    ledger = _LEDGER.fullmatch(key)
    if ledger:
        return folder or ledger.group(2) is not None
    parts = key.split("/")
    if any(part in {".", ".."} for part in parts):
        return False
    if _ASIDE.fullmatch(parts[0]):
        parts = parts[1:]
        if folder and not parts:
            return True
    return bool(parts) and parts[0] in DATA_PREFIXES and (folder or len(parts) > 1)


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
