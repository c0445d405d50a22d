"""The daily run: housekeeping tasks the areas register, run once per day.

Scheduling: every worker checks, on start and at every outbox sweep, whether today's
run (Europe/Amsterdam) was scheduled; if not, it schedules it through the outbox, so
a run is never lost to a Redis restart, and workers that were down catch up when they
start. Each task must be idempotent per day: however many runs there are, each
quitclaim is expired once and each reminder sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from likeness.extensions import db
from likeness.models import Setting, utcnow
from likeness.platform import audit, audit_head
from likeness.platform.actor import SYSTEM
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.jobs import job
from likeness.platform.uow import use_case

log = logging.getLogger(__name__)

LAST_SCHEDULED = "daily_maintenance_scheduled_for"

DailyTask = Callable[[date], dict[str, int] | None]
_TASKS: dict[str, DailyTask] = {}


def daily_task(name: str) -> Callable[[DailyTask], DailyTask]:
    """Register a task for the daily run; it gets the day and returns counts (or None)."""

    def register(task: DailyTask) -> DailyTask:
        _TASKS[name] = task
        return task

    return register


@use_case
def schedule_if_due() -> bool:
    """Schedule today's run unless it already was; True if this call scheduled it."""
    today = amsterdam_today().isoformat()
    row = db.session.get(Setting, LAST_SCHEDULED)
    if row is not None and row.value >= today:
        return False
    if row is None:
        row = Setting(key=LAST_SCHEDULED, value=today)
        db.session.add(row)
    row.value = today
    row.updated_at = utcnow()
    run_daily.later(today)
    return True


@job
@use_case
def run_daily(day: str | None = None) -> dict[str, int]:
    """Job: every registered task, in registration order, in one transaction."""
    today = date.fromisoformat(day) if day else amsterdam_today()
    today = max(today, amsterdam_today())  # a late run uses the real date
    counts: dict[str, int] = {}
    for task in _TASKS.values():
        counts.update(task(today) or {})
    if any(counts.values()):
        audit.record("daily.run", actor=SYSTEM, details=counts)
    _report_audit_head()
    return counts


def _report_audit_head() -> None:
    """Every daily run copies the audit chain head into the log and the chain itself,
    so log archives hold dated copies of it too (see docs/security.md)."""
    try:
        head = audit_head.read()
    except Exception as exc:  # the head store is down: say so, do not fail the run
        log.error("audit chain head unreadable: %s", type(exc).__name__)
        return
    if head is None:
        return
    log.info("audit chain head: event %d, MAC %s", head.id, head.hash)
    audit.record("audit.head_reported", actor=SYSTEM,
                 details={"head_id": head.id, "head_hash": head.hash})
