"""The outbox: work is committed with the change, and reaches Redis once it is up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from likeness.models import OutboxJob, OutboxStatus, OutgoingEmail
from likeness.platform import embedded_redis, mail, outbox
from likeness.platform.queue import get_queue, get_redis
from likeness.platform.worker import make_worker
from likeness.staff import accounts


def _use_redis(app: Flask, url: str) -> None:
    app.config["REDIS_URL"] = url
    app.extensions.pop("likeness.redis", None)


def _drain(app: Flask) -> None:
    make_worker().work(burst=True)


def test_with_redis_stopped_the_change_commits_and_the_job_runs_once_later(
    app: Flask, db: Any, tmp_path: Path, make_staff: Any, mailbox: Any
):
    own_redis = tmp_path / "own-redis"
    url = embedded_redis.ensure_running(own_redis)
    _use_redis(app, url)
    user = make_staff()
    embedded_redis.stop(own_redis)
    assert not embedded_redis.is_running(embedded_redis.socket_path(own_redis))

    # Redis is down: the password change still commits and returns.
    accounts.change_password(user.id, "correct horse 42", "new password 123")
    job = db.session.scalars(select(OutboxJob).where(OutboxJob.job_name == mail.deliver.name)).one()
    assert job.status == OutboxStatus.PENDING
    email = db.session.get(OutgoingEmail, job.args[0])
    assert email.sent_at is None

    # Redis is back: a sweep hands the job over, a worker runs it.
    try:
        embedded_redis.ensure_running(own_redis)
        _use_redis(app, url)
        assert outbox.sweep() == 1
        _drain(app)
        db.session.expire_all()
        assert db.session.get(OutboxJob, job.id).status == OutboxStatus.DONE
        assert len(mailbox.to(user.email)) == 1

        # Sweeping and working again changes nothing: exactly once.
        outbox.sweep()
        _drain(app)
        assert len(mailbox.to(user.email)) == 1
    finally:
        embedded_redis.stop(own_redis)


def test_a_job_pushed_twice_still_runs_once(app: Flask, db: Any, make_staff: Any, mailbox: Any):
    user = make_staff()
    accounts.change_password(user.id, "correct horse 42", "new password 123")
    job = db.session.scalars(select(OutboxJob)).one()
    # A second push of the same row, as after a relay crash between push and mark.
    get_queue().enqueue("likeness.platform.jobs.run_outbox_job", job.id)
    _drain(app)
    assert len(mailbox.to(user.email)) == 1


def test_a_failing_job_records_its_error_and_is_retried_by_the_sweep(
    app: Flask, db: Any, make_staff: Any, mailbox: Any, smtp_server: Any
):
    user = make_staff()
    app.config["MAIL_PORT"] = 1  # nothing listens there
    accounts.change_password(user.id, "correct horse 42", "new password 123")
    _drain(app)
    job = db.session.scalars(select(OutboxJob)).one()
    db.session.refresh(job)
    assert job.status == OutboxStatus.ENQUEUED
    assert "ConnectionRefusedError" in (job.last_error or "")

    app.config["MAIL_PORT"] = smtp_server[0].port
    assert outbox.sweep() == 1  # a failed job is retried at once
    _drain(app)
    db.session.refresh(job)
    assert job.status == OutboxStatus.DONE
    assert len(mailbox.to(user.email)) == 1



def test_a_job_lost_by_redis_is_pushed_again_after_a_grace_period(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    from datetime import timedelta

    import time_machine

    from likeness.models import utcnow

    user = make_staff()
    accounts.change_password(user.id, "correct horse 42", "new password 123")
    job = db.session.scalars(select(OutboxJob)).one()
    get_redis().delete(f"rq:job:{job.rq_job_id}")  # Redis lost it (e.g. restarted empty)
    get_queue().empty()
    assert outbox.sweep() == 0  # the relay may still be on its way: wait
    with time_machine.travel(utcnow() + timedelta(minutes=1)):
        assert outbox.sweep() == 1
    _drain(app)
    assert len(mailbox.to(user.email)) == 1
