"""Redis and the RQ queue, created per process on first use and kept in app.extensions.

With `REDIS_URL` unset (the `make run` default) the queue lives on the embedded Redis
under instance/. It is started by the first process that needs it, not by
`create_app`: commands that never touch the queue (`flask deadline`, `flask routes`)
leave no server behind. A process that started it stops it when it exits (see
`likeness.platform.embedded_redis`); `flask serve-all` starts it for its web process
and worker and stops it on Ctrl-C.
"""

from __future__ import annotations

from typing import cast

import redis
from flask import current_app
from rq import Queue

from likeness.platform import embedded_redis
from likeness.platform.app_state import per_app

_REDIS_KEY = "likeness.redis"


def redis_url() -> str:
    """The Redis URL, starting the embedded server first if this app uses it."""
    ensure_embedded_redis()
    return cast(str, current_app.config["REDIS_URL"])


def ensure_embedded_redis() -> None:
    """Start the embedded server if this app uses it and it is not running yet."""
    if current_app.config.get("EMBEDDED_REDIS"):
        embedded_redis.ensure_running(current_app.instance_path, stop_at_exit=True)


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
