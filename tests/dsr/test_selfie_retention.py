"""The reference selfie and its template are deleted at carry-out, and at the latest 30
days after the last search (or after receipt when no search ran), even on an open request."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.dsr import actions, locate, scope
from likeness.models import AuditEvent, SubjectRequest, utcnow
from likeness.platform import daily
from likeness.platform.storage import instance_dir
from tests.support.helpers import run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    submit_request,
    verify_by_email,
)


def _search(db: Any, request_id: int, officer: Any) -> None:
    locate.start(request_id, actor=officer)
    run_jobs()
    request = db.session.get(SubjectRequest, request_id)
    db.session.refresh(request)
    assert request.search_status == "done"


def _searched_request(client: FlaskClient, mailbox: Any, db: Any, officer: Any) -> Any:
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="The requester named no event or date",
                    actor=officer)
    approve_wider_scope(subject_request.id)  # beyond what was named: a second person
    _search(db, subject_request.id, officer)
    db.session.refresh(subject_request)
    assert subject_request.selfie_template_ciphertext is not None
    return subject_request


def _daily_run_on(when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        daily.schedule_if_due()
        run_jobs()


def _deletions(db: Any) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.selfie_deleted")))


def test_carrying_out_the_request_deletes_the_selfie_and_its_template(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request = _searched_request(client, mailbox, db, officer)
    selfie = instance_dir() / subject_request.selfie_path
    assert selfie.exists()
    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    assert not selfie.exists()
    assert subject_request.selfie_path is None
    assert subject_request.selfie_template_ciphertext is None
    assert subject_request.response_pdf_path  # the answer is still drafted
    (event,) = _deletions(db)
    assert event.details["reason"] == "carried out" and event.details["template"]


def test_the_selfie_goes_30_days_after_the_last_search_while_the_request_is_open(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request = _searched_request(client, mailbox, db, officer)
    selfie = instance_dir() / subject_request.selfie_path
    start = utcnow()
    # Staff search again on day 20: the 30 days start again from there.
    with time_machine.travel(start + timedelta(days=20), tick=False):
        _search(db, subject_request.id, officer)
    _daily_run_on(start + timedelta(days=31))
    _daily_run_on(start + timedelta(days=49))
    db.session.expire_all()
    assert selfie.exists()
    kept = db.session.get(SubjectRequest, subject_request.id)
    assert kept.selfie_template_ciphertext is not None
    _daily_run_on(start + timedelta(days=51))
    db.session.expire_all()
    request = db.session.get(SubjectRequest, subject_request.id)
    assert not selfie.exists()
    assert request.selfie_path is None and request.selfie_template_ciphertext is None
    assert request.selfie_deleted_at is not None
    assert request.status not in {"closed", "answered"}  # the request itself goes on
    (event,) = _deletions(db)
    assert event.details["reason"] == "30 days after the last search"


def test_a_selfie_never_searched_with_goes_30_days_after_receipt(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    selfie = instance_dir() / subject_request.selfie_path
    received = subject_request.received_at
    _daily_run_on(received + timedelta(days=29))
    assert selfie.exists()
    _daily_run_on(received + timedelta(days=31))
    db.session.expire_all()
    assert not selfie.exists()
    assert db.session.get(SubjectRequest, subject_request.id).selfie_path is None
