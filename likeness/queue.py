"""Redis and the RQ queue, created per process on first use and kept in app.extensions."""

from __future__ import annotations

from typing import cast

import redis
from flask import current_app
from rq import Queue

from likeness.app_state import per_app

_REDIS_KEY = "likeness.redis"


def redis_url() -> str:
    return cast(str, current_app.config["REDIS_URL"])


def get_redis() -> redis.Redis:
    # Short timeouts: when Redis is down, a web request must not hang on it.
    return per_app(_REDIS_KEY, lambda: redis.Redis.from_url(
        redis_url(), socket_connect_timeout=2, socket_timeout=10))


def get_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis())


def limiter_storage_uri(url: str) -> str:
    """Flask-Limiter spells a unix socket `redis+unix://`."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    return url
