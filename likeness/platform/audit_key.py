"""The audit MAC key: kept outside the database, like the face template keys.

Whoever can write the database can recompute a plain hash chain. With a keyed MAC
(HMAC-SHA256) they cannot: a rewritten or forged event only verifies with the key,
which lives in the environment (`AUDIT_KEY`, base64 of at least 32 bytes) or in a
file (`AUDIT_KEY_FILE`, default `instance/audit-key`, mode 0600). Development and
tests create the file on first use; elsewhere a missing key stops with a clear error.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from flask import current_app

from likeness.platform.app_state import per_app

KEY_BYTES = 32
_EXTENSION_KEY = "likeness.audit_key"


class AuditKeyError(RuntimeError):
    """The audit key is missing or malformed (an operator's error, not a user's)."""


def audit_key() -> bytes:
    """The configured key, loaded once per process."""
    return per_app(_EXTENSION_KEY, _load)


def _load() -> bytes:
    raw = current_app.config.get("AUDIT_KEY") or ""
    if raw:
        return _parse(raw, "AUDIT_KEY")
    path = Path(current_app.config.get("AUDIT_KEY_FILE")
                or Path(current_app.config["INSTANCE_PATH"]) / "audit-key")
    if path.exists():
        return _parse(path.read_text().strip(), str(path))
    if current_app.config["ENV_NAME"] in {"development", "testing"}:
        return _create(path)
    raise AuditKeyError(
        "No audit key: set AUDIT_KEY (base64 of 32 random bytes) or AUDIT_KEY_FILE. "
        "Likeness does not write an audit log that its own database could rewrite."
    )


def _parse(raw: str, source: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AuditKeyError(f"{source} is not base64") from exc
    if len(key) < KEY_BYTES:
        raise AuditKeyError(f"{source} must hold at least {KEY_BYTES} bytes")
    return key


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode())
    return key
