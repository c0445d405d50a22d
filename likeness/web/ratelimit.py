"""Rate-limit keys. The limiter's counters live in Redis, and an email address is
personal data: keys carry a hash of the address, never the address itself.

Limits per address key on the address's identity, not its spelling (see
`platform.addresses.normalised_identity`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import request

from likeness.platform.addresses import normalised_identity


def email_key(scope: str, field: str = "email") -> Callable[[], str]:
    """A Flask-Limiter key function: `scope` plus the hash of the posted address."""

    def key() -> str:
        email = normalised_identity(request.form.get(field) or "")
        return f"{scope}:" + hashlib.sha256(email.encode()).hexdigest()

    return key
