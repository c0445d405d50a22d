"""Rate-limit keys. The limiter's counters live in Redis, and an email address is
personal data: keys carry a hash of the address, never the address itself."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import request


def email_key(scope: str, field: str = "email") -> Callable[[], str]:
    """A Flask-Limiter key function: `scope` plus the hash of the posted address."""

    def key() -> str:
        email = (request.form.get(field) or "").strip().lower()
        return f"{scope}:" + hashlib.sha256(email.encode()).hexdigest()

    return key
