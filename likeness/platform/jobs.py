"""The job registry and the one RQ entry point every job goes through.

Areas register their jobs with `@job("name")`; the outbox refers to jobs by name and
their arguments are primary keys, never objects. The platform imports no area: the
app factory imports the areas, and importing a module registers its jobs.

Every job is idempotent: it may run again after a worker is killed, or be pushed twice
by the outbox, and still have its effect once. A job runs inside the same unit of work
that marks its outbox row `done`, so its effect and "done" commit together.

Heavy compute (finding faces, comparing templates) must not run inside that
transaction: on SQLite a writing transaction holds the one write lock, and every web
request that writes would wait seconds for it. Such a job registers a `prepare`
step: `@job("name", prepare=compute)`. The worker calls `compute(*args)` first,
outside any transaction that writes, and then the job itself in the unit of work as
`func(*args, prepared=result)`. The job must treat `prepared` as a hint computed from
a snapshot: it re-checks the state under its transaction (and computes inline when
the hint does not fit, or when it is called directly with `prepared=None`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus, utcnow
from likeness.platform.uow import use_case

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, Callable[..., Any]] = {}
_PREPARE: dict[str, Callable[..., Any]] = {}


def job(name: str, *, prepare: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """Register `func` as the job `name` (its arguments must be JSON: ids, strings).

    With `prepare`, the worker runs `prepare(*args)` outside the job's transaction and
    passes its result to the job as `prepared=` (see the module docstring).
    """

    def register(func: F) -> F:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not func:
            raise ValueError(f"job {name!r} is registered twice")
        _REGISTRY[name] = func
        if prepare is not None:
            _PREPARE[name] = prepare
        return func

    return register


def is_registered(name: str) -> bool:
    return name in _REGISTRY


def registered() -> dict[str, Callable[..., Any]]:
    return dict(_REGISTRY)


_NOT_PREPARED = object()


def run_outbox_job(outbox_id: int) -> str:
    """Run the job an outbox row describes, once, and mark the row done with its effect."""
    # Start from a fresh session: an open transaction left in this thread would
    # read through an old snapshot and not see the row that was just committed.
    db.session.remove()
    try:
        try:
            return _run(outbox_id, _prepare(outbox_id))
        except Exception as exc:
            _record_failure(outbox_id, exc)
            raise
    finally:
        db.session.remove()


def _prepare(outbox_id: int) -> Any:
    """The job's compute step, outside any writing transaction (a read snapshot only)."""
    row = db.session.get(OutboxJob, outbox_id)
    prepare = _PREPARE.get(row.job_name) if row is not None else None
    try:
        if row is None or prepare is None or row.status == OutboxStatus.DONE.value:
            return _NOT_PREPARED
        return prepare(*row.args)
    finally:
        db.session.commit()  # end the read snapshot (nothing was written)


@use_case
def _run(outbox_id: int, prepared: Any = _NOT_PREPARED) -> str:
    query = select(OutboxJob).where(OutboxJob.id == outbox_id)
    if db.session.get_bind().dialect.name == "postgresql":
        # The same job taken by two workers at once: the second waits here until the
        # first commits, then finds the row done. (SQLite: BEGIN IMMEDIATE does this.)
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None:
        return "missing"
    if row.status == OutboxStatus.DONE.value:
        return "already done"
    func = _REGISTRY[row.job_name]
    if prepared is _NOT_PREPARED:
        func(*row.args)
    else:
        func(*row.args, prepared=prepared)
    row.status = OutboxStatus.DONE.value
    row.done_at = utcnow()
    return "done"


@use_case
def _record_failure(outbox_id: int, exc: Exception) -> None:
    row = db.session.get(OutboxJob, outbox_id)
    if row is None:
        return
    # The exception type only: messages (SQL parameters, SMTP replies) can carry
    # names and addresses, and this table is no place for them.
    row.last_error = type(exc).__name__
    log.warning("job %s (outbox %s) failed: %s", row.job_name, outbox_id, type(exc).__name__)
