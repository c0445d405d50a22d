"""API keys as each process last read them, so a call costs no key query.

A cached key is used only while (a) it is younger than `API_KEY_CACHE_SECONDS` and
(b) the keys' change counter in Redis still has the value it had when the key was read.
Revoking or rotating a key bumps that counter after its commit, so every process drops
its copies on its next request: a revocation is honoured at once, not after the TTL.
The TTL only bounds what nobody announced (a key changed by hand in the database, a
restore). When Redis cannot be read, the cache is bypassed and the key is read from the
database: the cache can make a call faster, never let a dead key through.
Expiry and the end of a rotation's grace period are times, checked on every call.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import redis
from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import ApiKey
from likeness.models.integration import key_state
from likeness.platform import uow
from likeness.platform.app_state import per_app
from likeness.platform.queue import get_redis

log = logging.getLogger(__name__)

VERSION_KEY = "likeness:api-keys:version"


@dataclass(frozen=True)
class KeyFacts:
    """What a call needs to know about its key (a snapshot, not a session object)."""

    id: int
    integration_id: int
    secret_sha256: str
    scopes: frozenset[str]
    expires_at: datetime | None
    retires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        return key_state(now, revoked_at=self.revoked_at, expires_at=self.expires_at,
                         retires_at=self.retires_at)


@dataclass
class _Cache:
    lock: threading.Lock
    entries: dict[str, tuple[KeyFacts, float, bytes | None]]  # prefix -> facts, read at, version


def lookup(prefix: str) -> KeyFacts | None:
    """The key with this public prefix (None: no such key), from the cache when it is
    still trustworthy, otherwise from the database."""
    version = _version()
    cache = per_app("likeness.api_key_cache", lambda: _Cache(threading.Lock(), {}))
    now = time.monotonic()
    if version is not None:
        hit = cache.entries.get(prefix)
        ttl = current_app.config["API_KEY_CACHE_SECONDS"]
        if hit is not None and hit[2] == version and now - hit[1] < ttl:
            return hit[0]
    facts = _read(prefix)
    with cache.lock:
        if facts is None or version is None:
            cache.entries.pop(prefix, None)
        else:
            cache.entries[prefix] = (facts, now, version)
    return facts


def changed() -> None:
    """A key changed (revoked, rotated): once this unit of work commits, every process
    re-reads keys on its next call."""
    uow.after_commit(_bump)


def _bump() -> None:
    try:
        get_redis().incr(VERSION_KEY)
    except redis.RedisError:
        # Other processes cannot be told: they keep a copy at most API_KEY_CACHE_SECONDS.
        log.error("API key change not announced (Redis unavailable); caches expire by TTL")
    current_app.extensions.pop("likeness.api_key_cache", None)


def _version() -> bytes | None:
    """The change counter (b"" before the first change), or None when Redis is down."""
    try:
        value = get_redis().get(VERSION_KEY)
    except redis.RedisError:
        return None
    return value if isinstance(value, bytes) else b""


def _read(prefix: str) -> KeyFacts | None:
    row = db.session.execute(
        select(ApiKey.id, ApiKey.integration_id, ApiKey.secret_sha256, ApiKey.scopes,
               ApiKey.expires_at, ApiKey.retires_at, ApiKey.revoked_at)
        .where(ApiKey.prefix == prefix)).first()
    if row is None:
        return None
    return KeyFacts(row.id, row.integration_id, row.secret_sha256, frozenset(row.scopes),
                    row.expires_at, row.retires_at, row.revoked_at)
