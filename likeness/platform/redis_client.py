"""Redis clients that give up at once when Redis is down (and the worker's, that waits).

Redis being down is a state this app works through (the outbox keeps the work, login
throttling counts in memory, held files fall back), so a call to a stopped Redis must
fail fast. redis-py (6 and later) retries every failed command three times with an
exponential back-off of up to 1 + 2 + 4 seconds: a page or job that asks Redis a few
times would hang for tens of seconds before saying "try again". One immediate retry is
kept: it reopens a connection that Redis (or a firewall) closed while it was idle.
A timeout is not retried: it already waited `socket_timeout`.

The RQ worker's own connection is the exception: no person waits on it, and RQ ends a
worker on a Redis error anywhere but in its wait for the next job, so it keeps
redis-py's retries and rides out a Redis restart.
"""

from __future__ import annotations

from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# Connect (2 s) and read (10 s) limits of the app's clients: a hung Redis must not hold a
# web request for long either.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 10


def fail_fast_retry() -> Retry:
    """One immediate retry on a refused or dropped connection; none on a timeout."""
    return Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))


def client_options() -> dict[str, Any]:
    """Keyword arguments for `redis.Redis.from_url` (also Flask-Limiter's storage options)."""
    return {"socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "socket_timeout": READ_TIMEOUT_SECONDS, "retry": fail_fast_retry()}


def from_url(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, **client_options())


def patient_from_url(url: str) -> redis.Redis:
    """For the RQ worker's connection: redis-py's retries (after about 1, 2 and 4 s)."""
    return redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                socket_timeout=READ_TIMEOUT_SECONDS)
