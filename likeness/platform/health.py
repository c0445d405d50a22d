"""Is Likeness healthy? The database, Redis, the file storage, a live worker, and today's
daily run.

Workers leave a heartbeat in Redis (`likeness:worker-seen`, the time of their last
outbox sweep, every `OUTBOX_SWEEP_SECONDS`); the daily run counts as done when
today's (Europe/Amsterdam) `daily_maintenance` job is marked done in the outbox. The
run is due from midnight but only *missed* after `DAILY_GRACE` (workers schedule it
at their next sweep, and it takes a moment).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, text

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus
from likeness.platform import daily
from likeness.platform.clock import AMSTERDAM
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.queue import get_redis
from likeness.platform.storage import storage

WORKER_SEEN_KEY = "likeness:worker-seen"
DAILY_GRACE = timedelta(hours=1)


@dataclass
class Health:
    checks: dict[str, bool] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)

    @property
    def serving(self) -> bool:
        """Can this web process answer requests (database and Redis reachable)?"""
        return self.checks.get("database", False) and self.checks.get("redis", False)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


def worker_heartbeat() -> None:
    """Called by every worker at each sweep: a worker was alive just now."""
    get_redis().set(WORKER_SEEN_KEY, str(time.time()), ex=7 * 24 * 3600)


def worker_last_seen() -> float | None:
    raw = get_redis().get(WORKER_SEEN_KEY)
    return float(raw) if raw else None


def check() -> Health:
    health = Health()
    try:
        db.session.execute(text("SELECT 1"))
        health.checks["database"] = True
    except Exception:  # any failure means: not reachable from here
        db.session.rollback()
        health.checks["database"] = False
    try:
        get_redis().ping()
        health.checks["redis"] = True
        seen = worker_last_seen()
    except Exception:
        health.checks["redis"] = False
        seen = None
    try:  # a lookup of a key that never exists: reachable and allowed to list
        storage().exists("health/probe")
        health.checks["storage"] = True
    except Exception:
        health.checks["storage"] = False
    limit = current_app.config["WORKER_ALERT_MINUTES"] * 60
    health.checks["worker"] = seen is not None and time.time() - seen <= limit
    health.details["worker_seen_seconds_ago"] = (round(time.time() - seen)
                                                 if seen is not None else None)
    if health.checks["database"]:
        health.checks["daily_run"] = daily_run_done() or not daily_run_overdue()
    else:
        health.checks["daily_run"] = False
    return health


def daily_run_done() -> bool:
    today = amsterdam_today().isoformat()
    rows = db.session.execute(select(OutboxJob.args, OutboxJob.status).where(
        OutboxJob.job_name == daily.run_daily.name).order_by(OutboxJob.id.desc()).limit(10))
    return any(status == OutboxStatus.DONE and list(args or []) == [today]
               for args, status in rows)


def daily_run_overdue(now: datetime | None = None) -> bool:
    local = (now or datetime.now(AMSTERDAM)).astimezone(AMSTERDAM)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local - midnight > DAILY_GRACE
