"""Redis and the RQ queue, created per process on first use and kept in app.extensions.

With `REDIS_URL` unset (the `make run` default) the queue lives on the embedded Redis
under instance/. It is started by the first process that needs it, not by
`create_app`: commands that never touch the queue (`flask deadline`, `flask routes`)
leave no server behind. A process that started it stops it when it exits (see
`likeness.platform.embedded_redis`); `flask serve-all` starts it for its web process
and worker and stops it on Ctrl-C.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

import redis
from flask import current_app
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from likeness.platform import embedded_redis, redis_client
from likeness.platform.app_state import per_app

log = logging.getLogger(__name__)

_REDIS_KEY = "likeness.redis"

# The one function a worker runs. Anything else found on the queue is refused.
DISPATCHER = "likeness.platform.jobs.run_outbox_job"
_dispatcher: Callable[[int], str] | None = None


def dispatch_with(func: Callable[[int], str]) -> None:
    """The function every queued job runs (`jobs.run_outbox_job`, which sets itself here
    when imported: the queue must not import the jobs, which queue through the outbox)."""
    global _dispatcher
    _dispatcher = func


class RefusedJob(RuntimeError):
    """A job on the queue that is not the outbox dispatcher with one outbox id."""


class DispatcherJob(Job):
    """An RQ job that can only ever call the outbox dispatcher.

    Whoever can write to Redis can put any job there. With RQ's default pickle
    serializer that alone runs code; with JSON it still names any importable function
    (`os.system`). So jobs are JSON, and this class never imports a name from Redis:
    the function is fixed, the arguments must be one integer (an outbox id, whose row
    in the database says what to do), and callbacks named in Redis are ignored.
    """

    @property
    def func(self) -> Any:
        if (self.func_name != DISPATCHER or self.instance is not None or self.kwargs
                or len(self.args) != 1 or type(self.args[0]) is not int):
            # The name comes from Redis: log its length and a bounded prefix only.
            log.error("refused a queued job that is not the outbox dispatcher (job %s, "
                      "function %.60r)", self.id, self.func_name)
            raise RefusedJob("only the outbox dispatcher runs on this queue")
        if _dispatcher is None:
            raise RefusedJob("no outbox dispatcher in this process (likeness.platform.jobs)")
        return _dispatcher

    # Callbacks and webhooks are named in Redis too (a function; a URL the worker
    # would call): the outbox needs neither, so none ever runs.
    def send_webhooks(self, status: Any, *, exc_string: str | None = None) -> None:
        return None

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None


def redis_url() -> str:
    """The Redis URL, starting the embedded server first if this app uses it."""
    ensure_embedded_redis()
    return cast(str, current_app.config["REDIS_URL"])


# Every web request runs `ensure_embedded_redis`. A web process that did not start the
# server itself (the second gunicorn worker) asked it with a new connection and a PING on
# each request: a Redis round trip on every page, about a fifth of a simple page's time.
# Now it asks at most this often; a server that stopped in between is started again by the
# next check (until then, login throttling counts in memory and jobs wait in the outbox).
EMBEDDED_RECHECK_SECONDS = 10.0


# When each instance folder's server is next worth a look (time.monotonic()): until then
# a request does nothing here, not even build the socket's path.
_next_check: dict[str, float] = {}


def ensure_embedded_redis() -> None:
    """Start the embedded server if this app uses it and it is not running yet."""
    if not current_app.config.get("EMBEDDED_REDIS"):
        return
    instance = current_app.instance_path
    if time.monotonic() < _next_check.get(instance, 0.0):
        return
    embedded_redis.ensure_running(instance, stop_at_exit=True,
                                  trust_seconds=EMBEDDED_RECHECK_SECONDS)
    _next_check[instance] = time.monotonic() + EMBEDDED_RECHECK_SECONDS


def get_redis() -> redis.Redis:
    # Short timeouts, no back-off: when Redis is down, a web request must not hang on it.
    return per_app(_REDIS_KEY, lambda: redis_client.from_url(redis_url()))


def worker_redis() -> redis.Redis:
    """A new connection for an RQ worker, which keeps it for its life (see
    `likeness.platform.redis_client`)."""
    return redis_client.patient_from_url(redis_url())


def get_queue(connection: redis.Redis | None = None) -> Queue:
    """The job queue: JSON jobs only, and only the outbox dispatcher runs."""
    return Queue(current_app.config["RQ_QUEUE"], connection=connection or get_redis(),
                 serializer=JSONSerializer, job_class=DispatcherJob)


def fetch_job(job_id: str) -> Job | None:
    """A job by id, read with the queue's serializer (None when Redis has no such job)."""
    try:
        return DispatcherJob.fetch(job_id, connection=get_redis(), serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def limiter_storage_uri(url: str) -> str:
    """Flask-Limiter spells a unix socket `redis+unix://`."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    return url
