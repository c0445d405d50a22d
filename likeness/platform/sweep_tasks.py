"""Short housekeeping the worker runs on every outbox sweep (every
`OUTBOX_SWEEP_SECONDS`), registered by areas with `@sweep_task("name")`: work that
must not wait for the daily run but is too small for a job of its own."""

from __future__ import annotations

import logging
from collections.abc import Callable

from likeness.extensions import db

log = logging.getLogger(__name__)

SweepTask = Callable[[], object]
_TASKS: dict[str, SweepTask] = {}


def sweep_task(name: str) -> Callable[[SweepTask], SweepTask]:
    def register(task: SweepTask) -> SweepTask:
        _TASKS[name] = task
        return task

    return register


def run_all() -> None:
    """Run every task; one that fails is logged and does not stop the others."""
    for name, task in _TASKS.items():
        try:
            task()
        except Exception:
            db.session.rollback()
            log.exception("sweep task %s failed", name)
