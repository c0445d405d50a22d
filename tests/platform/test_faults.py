"""Faults a trusted system must survive: the database gone, retries used up, the same
job run twice at once, forms double-clicked and replayed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select

from likeness.app import create_app
from likeness.dsr import casework
from likeness.extensions import db as _db
from likeness.models import OutboxJob, OutboxStatus, OutgoingEmail, SubjectRequest
from likeness.platform import mail, outbox
from likeness.platform.uow import use_case
from tests.conftest import make_config
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, submit_request, verify_by_email

ROOT = Path(__file__).resolve().parents[2]


# --- the database is unreachable ---------------------------------------------------

def test_database_unreachable_is_a_clear_503_with_no_reference_and_no_email(
    tmp_path: Path, redis_url: str, smtp_server: Any, mailbox: Any
):
    config = make_config(tmp_path, "postgresql+psycopg://likeness@127.0.0.1:1/gone",
                         redis_url, smtp_server[0])
    app = create_app(config)
    client = app.test_client()
    page = client.get("/request")  # the form itself needs no database
    assert page.status_code == 200
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "Dana", "email": "dana@example.org", "details": "At the summer party",
        "language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "nothing was saved" in body and "try again" in body
    assert not re.search(r"DSR-\d{4}-\d+", body)
    assert mailbox.messages == []
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["database"] is False


# --- retries used up ----------------------------------------------------------------

def test_retries_used_up_mark_the_request_and_alert_staff(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any,
    logged_in: Any, monkeypatch: pytest.MonkeyPatch,
):
    from likeness.dsr import answer

    officer = logged_in("privacy_officer")
    submit_request(client, details="At the summer party 2026")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(answer, "render_pdf", broken)
    casework.refuse(subject_request.id, "Manifestly unfounded.", actor=officer)
    mailbox.messages.clear()
    for _ in range(outbox.MAX_ATTEMPTS + 2):
        run_jobs()
        outbox.sweep()
    row = db.session.scalars(select(OutboxJob).where(
        OutboxJob.job_name == answer.render_answer.name)).one()
    assert row.status == OutboxStatus.FAILED
    alerts = [m for m in mailbox.messages if "failed after every retry" in m["Subject"]]
    assert len(alerts) == 1 and str(subject_request.id) in alerts[0].get_payload()
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "Needs attention" in page and "render_answer" in page


# --- the same job twice at once -----------------------------------------------------

_TWO_WORKERS_AT_ONCE = r"""
import sys
from likeness.app import create_app
from likeness.platform.jobs import run_outbox_job
app = create_app()
with app.app_context():
    print(run_outbox_job(int(sys.argv[1])))
"""


def _worker_env(app: Flask) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LIKENESS_ENV="testing", LIKENESS_INSTANCE=app.config["INSTANCE_PATH"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
        RQ_QUEUE=app.config["RQ_QUEUE"], FACE_KEY_FILE=app.config["FACE_KEY_FILE"],
        SECRET_KEY=app.config["SECRET_KEY"], MAIL_SERVER=app.config["MAIL_SERVER"],
        MAIL_PORT=str(app.config["MAIL_PORT"]),
    )
    return env


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_app(request: Any, tmp_path: Path, redis_url: str, smtp_server: Any) -> Iterator[Flask]:
    """An app whose commits are real, on SQLite or (when CI gives one) a fresh PostgreSQL
    database of its own."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    admin_url = os.environ.get("DATABASE_URL", "")
    name = f"likeness_fault_{uuid.uuid4().hex[:8]}"
    if request.param == "postgresql":
        # Without PostgreSQL this case is deselected (tests/conftest.py), never skipped.
        assert admin_url.startswith("postgresql"), "the PostgreSQL case needs DATABASE_URL"
        url = _create_database(admin_url, name)
    app = create_app(make_config(tmp_path, url, redis_url, smtp_server[0]))
    with app.app_context():
        upgrade()
        yield app
        _db.session.remove()
        _db.engine.dispose()
    if request.param == "postgresql":
        _drop_database(admin_url, name)


def _create_database(admin_url: str, name: str) -> str:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_same_job_run_by_two_workers_at_once_has_one_effect(
    shared_app: Flask, mailbox: Any
):
    @use_case
    def queue_mail() -> int:
        mail.queue_email("dana@example.org", "password_changed", user=None)
        return _db.session.scalars(select(OutboxJob).order_by(OutboxJob.id.desc())).first().id

    outbox_id = queue_mail()
    workers = [subprocess.Popen([sys.executable, "-c", _TWO_WORKERS_AT_ONCE, str(outbox_id)],
                                cwd=ROOT, env=_worker_env(shared_app), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    results = sorted(out.strip() for out, _err in outputs)
    assert all(w.returncode == 0 for w in workers), [err[-600:] for _out, err in outputs]
    assert results == ["already done", "done"], results
    assert len(mailbox.to("dana@example.org")) == 1
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
        OutgoingEmail.sent_at.is_not(None))) == 1


# --- double clicks and replays ------------------------------------------------------

def test_a_double_clicked_or_replayed_request_form_files_one_request(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any
):
    page = client.get("/request").get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(page), "type": "access", "name": "Dana",
            "email": "dana@example.org", "details": "At the summer party", "language": "en",
            "submission": re.search(r'name="submission"[^>]*value="([^"]+)"', page).group(1)}
    first = client.post("/request", data=form)
    second = client.post("/request", data=form)  # the double click
    replay = app.test_client().post("/request", data=form, headers={
        "Cookie": "; ".join(c.split(";")[0] for c in first.headers.getlist("Set-Cookie"))})
    references = {re.search(r"DSR-\d{4}-\d{6}", r.get_data(as_text=True)).group(0)
                  for r in (first, second) if r.status_code == 200}
    assert first.status_code == second.status_code == 200 and len(references) == 1
    assert replay.status_code in {200, 400}
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 1
    run_jobs()
    assert len(mailbox.to("dana@example.org")) == 1  # one verification email


