"""Sealed backups: encrypted and authenticated with a key the database never holds.

A backup holds every row and file (personal data, password hashes, the admin list):
whoever can write an archive could otherwise plant an admin row and have it restored.
So an archive is sealed with `BACKUP_KEY` (base64 of 32 random bytes, from the
environment, or the file `BACKUP_KEY_FILE`, default `instance/backup-key`, mode 0600;
created on first use only in development and tests).

Format (`likeness-sealed/1`): a header (magic, a random 32-byte salt, a random 7-byte
nonce prefix), then the tar.gz in chunks of 1 MiB, each sealed with AES-256-GCM under
a key derived for this archive (HKDF-SHA256 of BACKUP_KEY and the salt). Each chunk's
nonce is the prefix, its 4-byte counter and a last-chunk flag, and the header is its
associated data (the STREAM construction): a changed, reordered, dropped or truncated
chunk, another header, or another key fails authentication. `cryptography`'s AEAD is
the well-kept primitive (OpenSSL underneath, already a dependency for the face
templates); chunks keep memory flat for archives of many gigabytes.

Opening verifies every chunk while writing the plaintext to a private temporary file;
only once the whole archive has verified is that file handed to tar. Nothing is
extracted from an archive that is not entirely authentic. Before that, `checked_hash`
requires the archive's sha256 to be one the audit chain recorded at backup time.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import AuditEvent
from likeness.platform import key_files
from likeness.platform.app_state import per_app

MAGIC = b"LIKENESS-SEALED-BACKUP/1\n"
SALT_BYTES = 32
PREFIX_BYTES = 7
CHUNK = 1 << 20
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES + PREFIX_BYTES
KEY_BYTES = 32


class SealError(RuntimeError):
    """The archive is not sealed, not sealed with this key, or was changed."""


def backup_key() -> bytes:
    return per_app("likeness.backup_key", _load_key)


def _load_key() -> bytes:
    return key_files.load(
        "BACKUP_KEY", "BACKUP_KEY_FILE", "backup-key", error=SealError,
        missing="No backup key: set BACKUP_KEY (base64 of 32 random bytes) or "
        "BACKUP_KEY_FILE, and keep a copy apart from the backups and the database: "
        "without it no backup can be restored.")


def _archive_key(salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                   info=b"likeness backup archive").derive(backup_key())
    return AESGCM(derived)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class SealingWriter:
    """A write-only file object: what is written is sealed chunk by chunk into `out`."""

    def __init__(self, out: BinaryIO) -> None:
        salt, self._prefix = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(PREFIX_BYTES)
        self._header = MAGIC + salt + self._prefix
        self._aead = _archive_key(salt)
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer.extend(data)
        while len(self._buffer) > CHUNK:  # keep one chunk back: the last is flagged
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise SealError("archive too large for one sealed stream")
        nonce = _nonce(self._prefix, self._counter, last)
        self._out.write(self._aead.encrypt(nonce, chunk, self._header))
        self._counter += 1


def is_sealed(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def unseal(source: Path, target: Path) -> None:
    """Verify the whole archive while writing its plaintext to `target` (mode 0600);
    raises SealError (and removes `target`) unless every chunk is authentic."""
    try:
        with source.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
            if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
                raise SealError(f"{source} is not a sealed Likeness backup (an unencrypted "
                                "or foreign archive is never restored)")
            salt = header[len(MAGIC):len(MAGIC) + SALT_BYTES]
            prefix = header[len(MAGIC) + SALT_BYTES:]
            aead = _archive_key(salt)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                _open_chunks(handle, out, aead, prefix, header)
    except SealError:
        target.unlink(missing_ok=True)
        raise


def _open_chunks(handle: BinaryIO, out: BinaryIO, aead: AESGCM, prefix: bytes,
                 header: bytes) -> None:
    counter = 0
    sealed = handle.read(CHUNK + TAG_BYTES)
    while True:
        following = handle.read(CHUNK + TAG_BYTES)
        last = not following
        try:
            out.write(aead.decrypt(_nonce(prefix, counter, last), sealed, header))
        except InvalidTag as exc:
            raise SealError("The backup does not verify: it was changed, cut short, or "
                            "sealed with another BACKUP_KEY. Nothing was restored.") from exc
        if last:
            return
        sealed, counter = following, counter + 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def checked_hash(source: Path, expected: str | None) -> str:
    """The archive's sha256, if the audit chain recorded it at backup time (or it is the
    one the operator expects); SealError otherwise."""
    try:
        if not is_sealed(source):
            raise SealError(f"{source} is not a sealed Likeness backup (an unencrypted "
                            "or foreign archive is never restored)")
        sha256 = file_sha256(source)
    except OSError as exc:
        raise SealError(f"{source} is not a readable backup archive") from exc
    if expected is not None:
        if expected.strip().lower() != sha256:
            raise SealError(f"{source} has sha256 {sha256}, not the {expected} expected.")
        return sha256
    if not any(details.get("sha256") == sha256 for details in recorded_backups()):
        raise SealError(
            f"{source} (sha256 {sha256}) is not a backup this installation recorded in "
            "its audit chain. If it is yours (e.g. restoring into a new database), "
            "compare that hash with the one `flask backup` printed and pass it with "
            "--sha256.")
    return sha256


def recorded_backups() -> list[dict[str, Any]]:
    """The details of every `backup.created` event in the chain, oldest first."""
    return [dict(details or {}) for details in db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "backup.created")
        .order_by(AuditEvent.id))]
