"""The audit MAC key: kept outside the database, like the face template keys.

Whoever can write the database can recompute a plain hash chain. With a keyed MAC
(HMAC-SHA256) they cannot: a rewritten or forged event only verifies with the key,
which lives in the environment (`AUDIT_KEY`, base64 of at least 32 bytes) or in a
file (`AUDIT_KEY_FILE`, default `instance/audit-key`, mode 0600). Development and
tests create the file on first use; elsewhere a missing key stops with a clear error.
"""

from __future__ import annotations

from likeness.platform import key_files
from likeness.platform.app_state import per_app

KEY_BYTES = 32
_EXTENSION_KEY = "likeness.audit_key"


class AuditKeyError(RuntimeError):
    """The audit key is missing or malformed (an operator's error, not a user's)."""


def audit_key() -> bytes:
    """The configured key, loaded once per process."""
    return per_app(_EXTENSION_KEY, _load)


def _load() -> bytes:
    return key_files.load(
        "AUDIT_KEY", "AUDIT_KEY_FILE", "audit-key", error=AuditKeyError,
        missing="No audit key: set AUDIT_KEY (base64 of 32 random bytes) or AUDIT_KEY_FILE. "
        "Likeness does not write an audit log that its own database could rewrite.")
