"""Failed logins slow an account down for unknown devices only.

A fixed per-account lock (five wrong passwords, then locked) lets anyone keep an
admin out for good by typing wrong passwords. Instead, after `FREE_FAILURES` failed
logins an account needs a growing pause between attempts (1, 2, 4, ... minutes, at
most `MAX_DELAY`), and only for browsers it does not know: a browser where the
account logged in successfully before carries a signed *known device* cookie and is
not slowed down by other people's failures (OWASP's device-cookie scheme). After
`FREEZE_AFTER` consecutive failures the account is frozen for unknown browsers (its
owner still logs in from a known one, which lifts the freeze) and the owner is mailed.

The per-address limit counts failures per (client address, account), and never for a
known device: behind a proxy, or in an office behind one NAT address, one person's
typos or one attacked account do not lock every colleague out. Counters live in
Redis, keyed by a hash of the normalised address; they never hold the address itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time

import redis
from flask import Request, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse

from likeness.platform.addresses import normalised_identity
from likeness.platform.queue import get_redis

FREE_FAILURES = 5
FREEZE_AFTER = 20
BASE_DELAY = 60
MAX_DELAY = 15 * 60
DEVICE_DAYS = 90
# Failures are remembered for a week: a slow guesser stays frozen out.
_FROZEN_TTL = 7 * 24 * 3600


def device_cookie_name() -> str:
    # `__Host-`: only over HTTPS, only from this host, path / (no subdomain can set it).
    return "__Host-likeness-device" if current_app.config.get("HTTPS_ONLY") \
        else "likeness-device"


def limit_key() -> str:
    """Flask-Limiter key of a login post: the client address and the account (hashed)."""
    return f"login:{get_remote_address()}:{_account(request.form.get('email') or '')}"


def posted_from_known_device() -> bool:
    """Flask-Limiter exemption: the browser has logged in to the posted account before.
    The limits count posts only, but Flask-Limiter asks before it looks at the method:
    on a GET there is no account to look up (nor a form body to parse)."""
    if request.method != "POST":
        return False
    return known_device(request, request.form.get("email") or "")


def is_frozen(email: str, request: Request) -> bool:
    """Frozen for this browser: the account saw FREEZE_AFTER failures in a row, and
    this browser is not one it logged in from before."""
    if known_device(request, email):
        return False
    try:
        failures = get_redis().hget(_key(email), "failures")
    except redis.RedisError:
        return False
    return int(failures or 0) >= FREEZE_AFTER


def wait_seconds(email: str, request: Request) -> int:
    """How long this browser must still wait before trying this account (0: go ahead)."""
    if known_device(request, email):
        return 0
    try:
        failures, last = get_redis().hmget(_key(email), "failures", "last")
    except redis.RedisError:
        return 0  # the per-address limit (with its in-memory fallback) still holds
    count = int(failures or 0)
    if count < FREE_FAILURES:
        return 0
    delay = min(MAX_DELAY, BASE_DELAY * 2 ** (count - FREE_FAILURES))
    remaining = float(last or 0) + delay - time.time()
    return max(0, math.ceil(remaining))


def record_failure(email: str, request: Request) -> bool:
    """Count a failed password or code; True when this failure froze the account (the
    caller then mails its owner, once)."""
    if known_device(request, email):
        return False  # the owner's own typo does not slow the account down for anyone
    try:  # without Redis, the per-address limit still holds
        pipe = get_redis().pipeline()
        pipe.hincrby(_key(email), "failures", 1)
        pipe.hset(_key(email), "last", time.time())
        pipe.expire(_key(email), _FROZEN_TTL)
        count = int(pipe.execute()[0])
    except redis.RedisError:
        return False
    return count == FREEZE_AFTER


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
