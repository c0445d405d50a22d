"""The job outbox.

A use case calls `add()` inside its unit of work: the jobs are committed together with
the change that needs them, and only after that commit are they handed to Redis. If
Redis is down the rows stay `pending`; `sweep()` (run by every worker on start and
periodically) hands them over later. Nothing is lost, and since a job marks its row
`done` in the same transaction as its effect and every job is idempotent, a job that
is enqueued twice still has its effect once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import redis
from rq.job import JobStatus
from sqlalchemy import or_, select

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus, utcnow
from likeness.platform import job_registry, uow
from likeness.platform.queue import DISPATCHER, fetch_job, get_queue
from likeness.platform.rq_health import job_state

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# An `enqueued` row whose RQ job is nowhere (Redis lost it, the relay died between
# marking and pushing, or a worker was killed between popping and starting it) is
# pushed again after this grace period; the windows it covers last milliseconds.
STALE_AFTER = timedelta(seconds=30)
JOB_TIMEOUT = 60 * 30


GaveUpHook = Callable[[list[tuple[int, str, list[Any]]]], object]
_GAVE_UP_HOOKS: list[GaveUpHook] = []


def on_gave_up(hook: GaveUpHook) -> GaveUpHook:
    """Register `hook([(outbox id, job name, args), ...])`, called once jobs have failed
    `MAX_ATTEMPTS` times and are given up (to alert staff; the rows stay `failed`)."""
    _GAVE_UP_HOOKS.append(hook)
    return hook


def add(job_name: str, *args: Any, not_before: datetime | None = None) -> OutboxJob:
    """Record a job to run once the current unit of work commits (flushes only); with
    `not_before`, a sweep after that instant hands it over (a retry that must wait)."""
    if job_registry.get(job_name) is None:
        raise ValueError(f"unknown job {job_name!r}")
    work = uow.current()
    row = OutboxJob(job_name=job_name, args=list(args), not_before=not_before)
    db.session.add(row)
    db.session.flush()
    if not_before is not None:
        return row  # the sweep hands it over when it is due
    if not work.new_job_ids:
        # One relay per unit of work, for all its jobs, once they are committed.
        work.after_commit(lambda: relay(list(work.new_job_ids)))
    work.new_job_ids.append(row.id)
    return row


@uow.writes_outside_use_case
def relay(ids: Sequence[int] | None = None, *, limit: int = 500) -> int:
    """Push pending rows (these ids, or all) onto the queue; return how many went."""
    query = select(OutboxJob).where(
        OutboxJob.status == OutboxStatus.PENDING,
        or_(OutboxJob.not_before.is_(None), OutboxJob.not_before <= utcnow()))
    if ids is not None:
        query = query.where(OutboxJob.id.in_(ids))
    query = query.order_by(OutboxJob.id).limit(limit)
    rows = list(db.session.scalars(_skip_locked(query)))
    return _push(rows)


@uow.writes_outside_use_case
def sweep(*, limit: int = 500) -> int:
    """Hand over every pending row and re-push rows whose RQ job failed or was lost.

    A failed job (an error, or abandoned by a killed worker) is retried at once; a job
    missing from Redis only after a grace period, since the relay may be between
    marking its row and pushing it.
    """
    pushed = relay()
    stale_before = utcnow() - STALE_AFTER
    query = (select(OutboxJob).where(OutboxJob.status == OutboxStatus.ENQUEUED)
             .order_by(OutboxJob.id).limit(limit))
    rows = list(db.session.scalars(_skip_locked(query)))
    retry = []
    try:
        queue = get_queue()
        queued = set(queue.get_job_ids()) if rows else set()
        for row in rows:
            # Anything not on its way is pushed again; a job not yet visible in Redis
            # only after a grace period (the relay may be between marking and pushing).
            stale = row.enqueued_at is not None and row.enqueued_at < stale_before
            if job_state(row.rq_job_id, queue, queued) in {"lost", "done"} and (
                stale or _rq_failed(row)
            ):
                retry.append(row)
    except redis.RedisError:
        log.warning("outbox sweep: Redis unavailable; %d job(s) wait", len(rows))
    db.session.commit()
    return pushed + _push(retry)


@uow.writes_outside_use_case
def mark_pending(outbox_id: int) -> None:
    """Put a row whose job was lost back in line for the next relay (commits)."""
    row = db.session.get(OutboxJob, outbox_id)
    if row is not None and row.status == OutboxStatus.ENQUEUED:
        row.status = OutboxStatus.PENDING
        db.session.commit()


def _push(rows: list[OutboxJob]) -> int:
    if not rows:
        db.session.commit()
        return 0
    # Mark before pushing: a worker may pick the job up before we could mark it,
    # and it must never find its own row still `pending` and then be overwritten.
    gave_up = []
    for row in rows:
        row.attempts += 1
        row.enqueued_at = utcnow()
        if row.attempts > MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            row.last_error = (row.last_error or "") + "\ngave up after too many attempts"
            gave_up.append((row.id, row.job_name, list(row.args or [])))
        else:
            row.status = OutboxStatus.ENQUEUED
    db.session.commit()
    for hook in _GAVE_UP_HOOKS if gave_up else []:
        try:
            hook(gave_up)
        except Exception as exc:  # an alert that fails must not stop the relay
            log.error("gave-up hook failed: %s", type(exc).__name__)
    to_push = [row for row in rows if row.status == OutboxStatus.ENQUEUED]
    pushed = 0
    try:
        queue = get_queue()
        for row in to_push:
            queue.enqueue(
                DISPATCHER,
                row.id,
                job_id=row.rq_job_id,
                job_timeout=JOB_TIMEOUT,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
            pushed += 1
    except redis.RedisError as exc:
        # Redis is down: put what did not reach it back to `pending` for the sweep.
        log.warning("outbox relay: Redis unavailable (%s); %d job(s) wait", type(exc).__name__,
                    len(to_push) - pushed)
        for row in to_push[pushed:]:
            row.status = OutboxStatus.PENDING
            row.attempts -= 1
        db.session.commit()
    return pushed


def _rq_failed(row: OutboxJob) -> bool:
    """The job ran and failed (or its worker died): retry without waiting."""
    job = fetch_job(row.rq_job_id)
    if job is None:
        return False
    return job.get_status(refresh=False) in {
        JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.STARTED}


def _skip_locked(query: Any) -> Any:
    # On PostgreSQL several relays (web processes, workers) can run at once: each
    # takes the rows no other one holds. SQLite serialises writers anyway.
    if db.session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query
