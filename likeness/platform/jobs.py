"""The job registry and the one RQ entry point every job goes through.

Areas declare their jobs with `@job` (or `@job(prepare=...)`); the job's name is the
function's qualified name (`likeness.dsr.answer.render_answer`), so there is no second name
to keep in step. The decorator returns a `Job` handle: call it to run the job now,
`render.later(request_id)` to queue it in the current unit of work (through the
outbox, after the commit). Arguments are primary keys, never objects. The platform
imports no area: each area package's `register_jobs()` imports its job modules, and
the app factory calls it.

Every job is idempotent: it may run again after a worker is killed, or be pushed twice
by the outbox, and still have its effect once. A job runs inside the same unit of work
that marks its outbox row `done`, so its effect and "done" commit together.

Heavy compute (finding faces, comparing templates) must not run inside that
transaction: on SQLite a writing transaction holds the one write lock, and every web
request that writes would wait seconds for it. Such a job registers a `prepare`
step: `@job(prepare=compute)`. The worker calls `compute(*args)` first,
outside any transaction that writes, and then the job itself in the unit of work as
`func(*args, prepared=result)`. The job must treat `prepared` as a hint computed from
a snapshot: it re-checks the state under its transaction (and computes inline when
the hint does not fit, or when it is called directly with `prepared=None`).

Jobs were once queued under short names (`index_asset`); the migration
`2026_12_07_c4a8e2f61b57_typed_job_names` renamed the rows still in the outbox.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, ParamSpec, TypeVar, overload

from sqlalchemy import select

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus, utcnow
from likeness.platform import job_registry, outbox, queue
from likeness.platform.uow import use_case

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class Job(Generic[P, R]):
    """A registered job. `job(*ids)` runs it now, in the caller's unit of work;
    `job.later(*ids)` queues it to run once the current unit of work commits."""

    def __init__(self, func: Callable[P, R], *, prepare: Callable[..., Any] | None,
                 about: str | None) -> None:
        self.func = func
        self.name = f"{func.__module__}.{func.__qualname__}"
        self.prepare = prepare
        # What the first argument is the id of ("request": shown on that request's page
        # when the job is given up).
        self.about = about
        functools.update_wrapper(self, func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.func(*args, **kwargs)

    def later(self, *args: P.args, **kwargs: P.kwargs) -> OutboxJob:
        """Queue the job with these (JSON) arguments, after the current commit."""
        if kwargs:
            raise TypeError(f"job {self.name}: queue it with positional arguments only")
        return outbox.add(self.name, *args)

    def later_at(self, not_before: datetime, *args: P.args, **kwargs: P.kwargs) -> OutboxJob:
        """Queue the job, to be handed to a worker no earlier than `not_before` (a retry
        that must wait: the outbox sweep hands it over when it is due)."""
        if kwargs:
            raise TypeError(f"job {self.name}: queue it with positional arguments only")
        return outbox.add(self.name, *args, not_before=not_before)

    def __repr__(self) -> str:
        return f"<job {self.name}>"


@overload
def job(func: Callable[P, R], /) -> Job[P, R]: ...


@overload
def job(*, prepare: Callable[..., Any] | None = None,
        about: str | None = None) -> Callable[[Callable[P, R]], Job[P, R]]: ...


def job(func: Callable[P, R] | None = None, /, *, prepare: Callable[..., Any] | None = None,
        about: str | None = None) -> Job[P, R] | Callable[[Callable[P, R]], Job[P, R]]:
    """Register a function as a job named by its qualified name; returns its handle.

    `@job` or `@job(prepare=compute, about="request")`. With `prepare`, the worker runs
    `prepare(*args)` outside the job's transaction and passes its result to the job as
    `prepared=` (see the module docstring).
    """

    def register(func: Callable[P, R]) -> Job[P, R]:
        handle = Job(func, prepare=prepare, about=about)
        job_registry.add(handle.name, handle)
        return handle

    return register(func) if func is not None else register


def is_registered(name: str) -> bool:
    return job_registry.get(name) is not None


def registered() -> dict[str, Job[..., Any]]:
    return dict(job_registry.every())


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


queue.dispatch_with(run_outbox_job)


def _prepare(outbox_id: int) -> Any:
    """The job's compute step, outside any writing transaction (a read snapshot only)."""
    row = db.session.get(OutboxJob, outbox_id)
    handle = job_registry.get(row.job_name) if row is not None else None
    prepare = handle.prepare if handle is not None else None
    try:
        if row is None or prepare is None or row.status == OutboxStatus.DONE:
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
    if row.status == OutboxStatus.DONE:
        return "already done"
    func = job_registry.get(row.job_name)
    if func is None:
        raise LookupError(f"no job named {row.job_name!r}")
    if prepared is _NOT_PREPARED:
        func(*row.args)
    else:
        func(*row.args, prepared=prepared)
    row.status = OutboxStatus.DONE
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
