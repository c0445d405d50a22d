"""The RQ worker process: a non-forking worker inside the app context, plus the outbox sweeper.

Non-forking (RQ's SimpleWorker): heavy libraries such as the dlib face models load
once per worker process instead of once per job (areas register what to preload with
`@on_worker_start`), and the app context stays valid.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import redis
from flask import Flask, current_app
from rq import SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.serializers import JSONSerializer

from likeness.extensions import db
from likeness.platform import daily, health, outbox, sweep_tasks
from likeness.platform.queue import (
    DispatcherJob,
    fetch_job,
    get_queue,
    get_redis,
    worker_redis,
)
from likeness.platform.rq_health import worker_alive

log = logging.getLogger(__name__)

_START_HOOKS: list[Callable[[], object]] = []


def on_worker_start(hook: Callable[[], object]) -> Callable[[], object]:
    """Run `hook` when a worker starts (e.g. load heavy models once, not in every job)."""
    _START_HOOKS.append(hook)
    return hook


def run_worker(*, burst: bool = False, with_sweeper: bool = True) -> bool:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for hook in _START_HOOKS:
        hook()
    try:
        requeue_orphaned_jobs()
    except redis.RedisError:
        log.warning("orphaned jobs: Redis unavailable; the outbox sweep retries them later")
    _catch_up(app)
    stop = threading.Event()
    if with_sweeper and not burst:
        sweeper = threading.Thread(
            target=_sweep_forever, args=(app, stop), name="outbox-sweeper", daemon=True
        )
        sweeper.start()
    try:
        return bool(make_worker().work(burst=burst, logging_level="WARNING"))
    finally:
        stop.set()


def make_worker() -> SimpleWorker:
    """A worker that reads jobs as JSON and runs only the outbox dispatcher
    (`likeness.platform.queue.DispatcherJob`): a Redis write cannot run code."""
    connection = worker_redis()
    return SimpleWorker([get_queue(connection)], connection=connection,
                        job_class=DispatcherJob, serializer=JSONSerializer)


def requeue_orphaned_jobs() -> int:
    """Jobs left `started` by a worker on this host that no longer runs (kill -9, crash).

    Their outbox rows go back to `pending`, and the (idempotent) jobs run again (see
    `likeness.rq_health` for how a dead worker is recognised). This clean-up never stops
    a worker from starting: whatever it cannot settle, the outbox sweep retries later.
    """
    connection = get_redis()
    queue = get_queue()
    registry = queue.started_job_registry
    requeued = 0
    for job_id, execution_id in registry.get_job_and_execution_ids():
        try:
            job = fetch_job(job_id)
            if job is None:
                raise NoSuchJobError(job_id)
            if worker_alive(job.worker_name, connection):
                continue
            # The registry entry itself, not through the execution record: that one
            # may have expired already with the dead worker's heartbeat.
            connection.zrem(registry.key, f"{job_id}:{execution_id}")
            outbox_id = _outbox_id(job_id)
            if outbox_id is not None:
                outbox.mark_pending(outbox_id)
            else:
                queue.enqueue_job(job)
            requeued += 1
        except NoSuchJobError:
            connection.zrem(registry.key, f"{job_id}:{execution_id}")
        except (redis.RedisError, ValueError) as exc:
            log.warning("could not requeue job %s: %s", job_id, type(exc).__name__)
    if requeued:
        log.warning("requeued %d job(s) left behind by a dead worker", requeued)
    return requeued


def _outbox_id(job_id: str) -> int | None:
    prefix = "outbox-"
    if job_id.startswith(prefix) and job_id[len(prefix):].isdigit():
        return int(job_id[len(prefix):])
    return None


def _catch_up(app: Flask) -> None:
    """On start, hand over whatever the outbox holds (work queued while workers were down)."""
    with app.app_context():
        try:
            health.worker_heartbeat()
            daily.schedule_if_due()  # a day missed while workers were down
            sweep_tasks.run_all()  # needs no Redis: runs even when the sweep cannot
            outbox.sweep()
        except redis.RedisError:
            log.warning("outbox catch-up: Redis unavailable")
        finally:
            db.session.remove()


def _sweep_forever(app: Flask, stop: threading.Event) -> None:
    interval = app.config["OUTBOX_SWEEP_SECONDS"]
    while not stop.wait(interval):
        with app.app_context():
            try:
                health.worker_heartbeat()
                daily.schedule_if_due()
                sweep_tasks.run_all()
                outbox.sweep()
            except Exception:  # keep sweeping; one bad round must not end the thread
                log.exception("outbox sweep failed")
            finally:
                db.session.remove()

