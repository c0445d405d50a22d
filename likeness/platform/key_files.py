"""Secret keys kept outside the database: from a setting, or a file, or (in development and
tests only) a new random file created on first use, mode 0600.

The audit MAC key and the backup key load this way; a missing key elsewhere stops with the
caller's own error, which says which setting to give and why it matters.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from flask import current_app

KEY_BYTES = 32


def load(setting: str, file_setting: str, default_name: str, *,
         error: type[Exception], missing: str) -> bytes:
    """The key named by `setting` (base64), else the file `file_setting` names (default
    `instance/<default_name>`); created there in development and tests; else `error`."""
    raw = current_app.config.get(setting) or ""
    if raw:
        return _parse(raw, setting, error)
    path = Path(current_app.config.get(file_setting)
                or Path(current_app.config["INSTANCE_PATH"]) / default_name)
    if path.exists():
        return _parse(path.read_text().strip(), str(path), error)
    if current_app.config["ENV_NAME"] in {"development", "testing"}:
        return _create(path)
    raise error(missing)


def _parse(raw: str, source: str, error: type[Exception]) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise error(f"{source} is not base64") from exc
    if len(key) < KEY_BYTES:
        raise error(f"{source} must hold at least {KEY_BYTES} bytes")
    return key


def _create(path: Path) -> bytes:
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode())
    return key
