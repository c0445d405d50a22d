"""Face templates encrypted at rest: AES-256-GCM, keys outside the database.

A stored template is `nonce (12) || ciphertext || tag (16)` of the 128 float32
values. The face id is the associated data, so a template copied onto another face
row does not decrypt. Keys are versioned; the version used is stored per face, and
`flask rotate-face-key` re-encrypts everything under a new one.

Keys come from `FACE_KEYS` (JSON `{"1": "<base64 of 32 bytes>", ...}`) or from the
JSON file `FACE_KEY_FILE`; the highest version encrypts. In development a key file is
created on first use; elsewhere a missing key stops the operation with a clear error.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from numpy.typing import NDArray

from likeness.errors import TemplateKeyError
from likeness.faces.engine import TEMPLATE_SIZE
from likeness.platform.app_state import forget, per_app

NONCE_SIZE = 12
_EXTENSION_KEY = "likeness.face_keys"


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]

    @property
    def current_version(self) -> int:
        return max(self.keys)

    def encrypt(self, template: NDArray[np.floating], face_id: int) -> tuple[bytes, int]:
        return self.encrypt_bound(template, _aad(face_id))

    def decrypt(self, blob: bytes, version: int, face_id: int) -> NDArray[np.float32]:
        return self.decrypt_bound(blob, version, _aad(face_id))

    def encrypt_bound(self, template: NDArray[np.floating], aad: bytes) -> tuple[bytes, int]:
        """Encrypt a template bound to `aad` (what it belongs to, e.g. a face or request)."""
        data = np.asarray(template, dtype="<f4")
        if data.shape != (TEMPLATE_SIZE,):
            raise ValueError(f"a template has {TEMPLATE_SIZE} values, got {data.shape}")
        version = self.current_version
        nonce = secrets.token_bytes(NONCE_SIZE)
        sealed = AESGCM(self.keys[version]).encrypt(nonce, data.tobytes(), aad)
        return nonce + sealed, version

    def decrypt_bound(self, blob: bytes, version: int, aad: bytes) -> NDArray[np.float32]:
        plain = _open(self._cipher(version), blob, aad, version)
        return np.frombuffer(plain, dtype="<f4").astype(np.float32)

    def decrypt_into(self, out: NDArray[np.float32],
                     rows: Sequence[tuple[int, bytes, int]]) -> None:
        """Decrypt `(face_id, blob, version)` rows into the rows of `out`, reusing one
        cipher object per key version (loading a million templates: see faces.index).
        The loop is the load's hot path: a few microseconds per template."""
        ciphers: dict[int, AESGCM] = {}
        plains = []
        for face_id, blob, version in rows:
            cipher = ciphers.get(version) or ciphers.setdefault(version, self._cipher(version))
            try:
                plains.append(cipher.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:],
                                             _AAD % face_id))
            except InvalidTag as exc:
                raise _tampered(version) from exc
        out[:] = np.frombuffer(b"".join(plains), dtype="<f4").reshape(out.shape)

    def derived_key(self, version: int, purpose: bytes) -> bytes:
        """A 256-bit key for `purpose` (e.g. MACs on face-search messages), derived with
        HKDF-SHA256 from key `version`: whoever holds the face keys holds it, no one else."""
        key = self.keys.get(version)
        if key is None:
            raise TemplateKeyError(f"Face template key version {version} is not configured.")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"likeness/" + purpose).derive(key)

    def _cipher(self, version: int) -> AESGCM:
        key = self.keys.get(version)
        if key is None:
            raise TemplateKeyError(
                f"Face template key version {version} is not configured; "
                "templates cannot be decrypted. Check FACE_KEYS / FACE_KEY_FILE."
            )
        return AESGCM(key)

    def decrypt_face(self, face: FaceTemplateHolder) -> NDArray[np.float32]:
        if face.template_ciphertext is None or face.template_key_version is None:
            raise ValueError(f"face {face.id} has no stored template")
        return self.decrypt(face.template_ciphertext, face.template_key_version, face.id)


class FaceTemplateHolder(Protocol):
    id: int
    template_ciphertext: bytes | None
    template_key_version: int | None


def _open(cipher: AESGCM, blob: bytes, aad: bytes, version: int) -> bytes:
    try:
        return cipher.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad)
    except InvalidTag as exc:
        raise _tampered(version) from exc


def _tampered(version: int) -> TemplateKeyError:
    return TemplateKeyError(
        "A face template could not be decrypted with the configured key "
        f"(version {version}): wrong key, or the template was tampered with.")


_AAD = b"likeness-face:%d"


def _aad(face_id: int) -> bytes:
    return _AAD % face_id


def keyring() -> KeyRing:
    """The configured keys, loaded once per process (reset with `forget_keys`)."""
    return per_app(_EXTENSION_KEY, _load)


def forget_keys() -> None:
    forget(_EXTENSION_KEY)


def _load() -> KeyRing:
    raw = current_app.config.get("FACE_KEYS") or ""
    path = Path(current_app.config["FACE_KEY_FILE"])
    if raw:
        return _parse(raw, "FACE_KEYS")
    if path.exists():
        return _parse(path.read_text(), str(path))
    if current_app.config["ENV_NAME"] in {"development", "testing"}:
        return add_key_to_file(path)
    raise TemplateKeyError(
        "No face template key: set FACE_KEYS or FACE_KEY_FILE (see docs/configuration.md). "
        "Likeness will not store or read biometric templates without one."
    )


def _parse(raw: str, source: str) -> KeyRing:
    try:
        keys = {int(v): base64.b64decode(k) for v, k in json.loads(raw).items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise TemplateKeyError(f"{source} is not a JSON object of base64 keys") from exc
    if not keys or any(len(k) != 32 for k in keys.values()):
        raise TemplateKeyError(f"{source} must hold 256-bit (32-byte) keys")
    return KeyRing(keys)


def add_key_to_file(path: Path) -> KeyRing:
    """Add a new, highest key version to the key file (created 0600 if missing)."""
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    version = max((int(v) for v in keys), default=0) + 1
    keys[str(version)] = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle)
    tmp.replace(path)
    return _parse(json.dumps(keys), str(path))
