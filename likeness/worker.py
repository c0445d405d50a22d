"""The RQ worker process: a non-forking worker inside the app context, plus the outbox sweeper.

Non-forking (RQ's SimpleWorker): heavy libraries such as the dlib face models load
once per worker process instead of once per job, and the app context stays valid.
"""

from __future__ import annotations

import logging
import threading

import redis
from flask import Flask, current_app
from rq import SimpleWorker

from likeness.extensions import db
from likeness.queue import get_queue, get_redis
from likeness.services import outbox

log = logging.getLogger(__name__)


def run_worker(*, burst: bool = False, with_sweeper: bool = True) -> bool:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _catch_up(app)
    stop = threading.Event()
    if with_sweeper and not burst:
        sweeper = threading.Thread(
            target=_sweep_forever, args=(app, stop), name="outbox-sweeper", daemon=True
        )
        sweeper.start()
    try:
        worker = SimpleWorker([get_queue()], connection=get_redis())
        return bool(worker.work(burst=burst, with_scheduler=not burst,
                                logging_level="WARNING"))
    finally:
        stop.set()


def _catch_up(app: Flask) -> None:
    """On start, hand over whatever the outbox holds (work queued while workers were down)."""
    with app.app_context():
        try:
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
                outbox.sweep()
            except Exception:  # keep sweeping; one bad round must not end the thread
                log.exception("outbox sweep failed")
            finally:
                db.session.remove()
