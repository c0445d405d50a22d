"""Alerts to staff when Likeness cannot do its work on its own.

* No worker seen for `WORKER_ALERT_MINUTES`, or today's daily run missed: checked on
  every health probe (the load balancer asks every few seconds) and by
  `flask ops-check` (cron), so an alert goes out even when every worker is dead.
* An audit write refused because the chain no longer reaches its head (events were
  deleted) or the head cannot be read.
* A job given up after its retries: staff get the job and what it was for, and the
  request it belongs to shows "needs attention".

These alerts are sent at once, not through the job outbox (a dead worker could never
deliver them); each condition is alerted once per `REPEAT` (a Redis key), not on
every probe.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus
from likeness.platform import audit, health, jobs, mail, outbox
from likeness.platform.actor import SYSTEM
from likeness.platform.queue import get_redis
from likeness.staff import accounts

log = logging.getLogger(__name__)

REPEAT_SECONDS = 6 * 3600
# Jobs whose first argument is a request id: a given-up one marks that request.


def check_and_alert() -> health.Health:
    """Check health; alert staff (once per condition and period) about what is wrong."""
    state = health.check()
    if state.checks.get("redis") and state.checks.get("database"):
        if not state.checks["worker"]:
            _alert_once("no-worker", "staff_alert_no_worker",
                        minutes=current_app.config["WORKER_ALERT_MINUTES"],
                        seen=state.details.get("worker_seen_seconds_ago"))
        if not state.checks["daily_run"]:
            _alert_once("daily-missed", "staff_alert_daily_missed")
    return state


@outbox.on_gave_up
def alert_given_up(jobs: list[tuple[int, str, list[Any]]]) -> None:
    """Jobs given up after every retry: audit each, and tell staff at once."""
    _record_given_up(jobs)
    mail.send_now(accounts.alert_recipients(), "staff_alert_job_failed",
                  jobs=[(job_id, name) for job_id, name, _args in jobs],
                  requests=[args[0] for _id, name, args in jobs
                            if name in _request_jobs() and args])


@audit.on_chain_broken
def alert_audit_chain(problem: str) -> None:
    """An audit write was refused (events deleted, or the head unreadable): tell staff."""
    _alert_once("audit-chain", "staff_alert_audit_chain", problem=problem)


def needs_attention(request_id: int) -> list[str]:
    """The names of given-up jobs of this request (shown on its page)."""
    rows = db.session.execute(select(OutboxJob.job_name, OutboxJob.args).where(
        OutboxJob.status == OutboxStatus.FAILED,
        OutboxJob.job_name.in_(_request_jobs())))
    return sorted({name.rpartition(".")[2] for name, args in rows
                   if args and args[0] == request_id})


def _request_jobs() -> set[str]:
    """Jobs whose first argument is a request id (`@job(about="request")`)."""
    return {name for name, handle in jobs.registered().items() if handle.about == "request"}


def _record_given_up(jobs: list[tuple[int, str, list[Any]]]) -> None:
    from likeness.platform.uow import use_case

    @use_case
    def record() -> None:
        for job_id, name, _args in jobs:
            audit.record("job.gave_up", actor=SYSTEM, subject=f"outbox:{job_id}",
                         details={"job": name})

    record()


def _alert_once(condition: str, template: str, **context: Any) -> None:
    try:
        first = get_redis().set(f"likeness:alerted:{condition}", "1", nx=True,
                                ex=REPEAT_SECONDS)
    except redis.RedisError:
        return  # without Redis we cannot tell whether we alerted already: the probe says it
    if not first:
        return
    recipients = accounts.alert_recipients()
    if recipients:
        mail.send_now(recipients, template, **context)
    log.warning("staff alerted: %s", condition)
