"""Failed logins slow an account down for unknown devices only.

A fixed per-account lock (five wrong passwords, then locked) lets anyone keep an
admin out for good by typing wrong passwords. Instead, after `FREE_FAILURES` failed
logins an account needs a growing pause between attempts (1, 2, 4, ... minutes, at
most `MAX_DELAY`), and only for browsers it does not know: a browser where the
account logged in successfully before carries a signed *known device* cookie and is
not slowed down by other people's failures (OWASP's device-cookie scheme). The
per-IP limit still applies to everyone. Counters live in Redis, keyed by a hash of
the normalised address; they never hold the address itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time

import redis
from flask import Request, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse

from likeness.platform.addresses import normalised_identity
from likeness.platform.queue import get_redis

FREE_FAILURES = 5
BASE_DELAY = 60
MAX_DELAY = 15 * 60
DEVICE_DAYS = 90
_KEY_TTL = 24 * 3600


def device_cookie_name() -> str:
    # `__Host-`: only over HTTPS, only from this host, path / (no subdomain can set it).
    return "__Host-likeness-device" if current_app.config.get("HTTPS_ONLY") \
        else "likeness-device"


def wait_seconds(email: str, request: Request) -> int:
    """How long this browser must still wait before trying this account (0: go ahead)."""
    if known_device(request, email):
        return 0
    try:
        failures, last = get_redis().hmget(_key(email), "failures", "last")
    except redis.RedisError:
        return 0  # the per-IP limit (with its in-memory fallback) still holds
    count = int(failures or 0)
    if count < FREE_FAILURES:
        return 0
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** (count - FREE_FAILURES))
    remaining = float(last or 0) + delay - time.time()
    return max(0, math.ceil(remaining))


def record_failure(email: str, request: Request) -> None:
    if known_device(request, email):
        return  # the owner's own typo does not slow the account down for anyone
    with contextlib.suppress(redis.RedisError):  # the per-IP limit still holds
        pipe = get_redis().pipeline()
        pipe.hincrby(_key(email), "failures", 1)
        pipe.hset(_key(email), "last", time.time())
        pipe.expire(_key(email), _KEY_TTL)
        pipe.execute()


def record_success(email: str, response: BaseResponse) -> None:
    """Forget the failures and remember this browser for the account."""
    with contextlib.suppress(redis.RedisError):
        get_redis().delete(_key(email))
    response.set_cookie(
        device_cookie_name(), _serializer().dumps({"a": _account(email)}),
        max_age=DEVICE_DAYS * 24 * 3600, secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True, samesite="Lax", path="/",
    )


def known_device(request: Request, email: str) -> bool:
    token = request.cookies.get(device_cookie_name())
    if not token:
        return False
    try:
        payload = _serializer().loads(token, max_age=DEVICE_DAYS * 24 * 3600)
    except BadSignature:
        return False
    return isinstance(payload, dict) and payload.get("a") == _account(email)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="likeness/device")


def _account(email: str) -> str:
    return hashlib.sha256(normalised_identity(email).encode()).hexdigest()[:32]


def _key(email: str) -> str:
    return "likeness:login-failures:" + _account(email)
