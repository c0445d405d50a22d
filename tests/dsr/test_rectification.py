"""Rectification (Art. 16): the record changes through the case page, the answer states
what changed; while the accuracy is contested the photos can be restricted
(Art. 18(1)(a)) and are released only after the person was told (Art. 18(3))."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.cockpit import minimise
from likeness.dsr import locate, restriction
from likeness.models import Asset, AuditEvent, Person, RequestAction
from likeness.platform.storage import instance_dir
from likeness.platform.uow import use_case
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, send_answer, submit_request, verify_by_email


def _rectification_case(client: FlaskClient, mailbox: Any, db: Any, person: Person,
                        officer: Any) -> Any:
    submit_request(client, type_="rectification",
                   details="My name is Barack H. Obama, and I was born on 4 August 1961.")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    locate.link_person(subject_request.id, person.id, actor=officer)
    return subject_request


def _act(client: FlaskClient, request_id: int, action: str, **data: str) -> str:
    """Post a case page action as the officer; returns the page it leads back to."""
    page = client.get(f"/admin/requests/{request_id}")
    assert page.status_code == 200
    response = client.post(f"/admin/requests/{request_id}/{action}",
                           data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                 "confirmed": "yes", **data})
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _pdf_text(relative: str) -> str:
    reader = PdfReader(instance_dir() / relative)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_officer_corrects_the_record_and_the_answer_states_old_and_new_values(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    logged_in: Any,
):
    officer = logged_in("privacy_officer")
    person = tagged_barack.person
    subject_request = _rectification_case(client, mailbox, db, person, officer)
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "Correct the record (Art. 16)" in page
    assert 'data-field="name">Barack Obama<' in page

    page = _act(client, subject_request.id, "rectify", field="name", value="Barack H. Obama")
    assert "The record was corrected" in page
    page = _act(client, subject_request.id, "rectify", field="date_of_birth",
                value="1961-08-05")
    db.session.refresh(person)
    assert person.name == "Barack H. Obama"
    assert person.date_of_birth == date(1961, 8, 5)
    assert "Barack Obama → Barack H. Obama" in page
    # The audit log names the field, never the values.
    details = [e.details for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.field_rectified"))]
    assert details == [{"field": "name"}, {"field": "date_of_birth"}]
    assert "Barack H." not in json.dumps(details)

    # No free text needed: the corrections are the answer's steps.
    _act(client, subject_request.id, "perform")
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    text = _pdf_text(subject_request.response_pdf_path)
    assert "Your name was corrected from “Barack Obama” to “Barack H. Obama” (Art. 16)." in text
    assert "Your date of birth was corrected from “1961-08-04” to “1961-08-05”" in text

    # Reduced to a minimal record after the retention period: the values go, the field stays.
    use_case(minimise.request)(subject_request.id, actor=officer)  # as retention runs it
    kept = db.session.scalars(select(RequestAction.params).where(
        RequestAction.request_id == subject_request.id,
        RequestAction.kind == "field_rectified")).all()
    assert kept == [{"field": "name"}, {"field": "date_of_birth"}]


def test_bad_corrections_get_clear_messages_and_change_nothing(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    logged_in: Any,
):
    officer = logged_in("privacy_officer")
    person = tagged_barack.person
    subject_request = _rectification_case(client, mailbox, db, person, officer)
    cases = [({"field": "email", "value": "barack-at-example"},
              "This is not a valid email address."),
             ({"field": "date_of_birth", "value": "4 August 1961"},
              "Enter the date as YYYY-MM-DD"),
             ({"field": "date_of_birth", "value": "2999-01-01"},
              "The date of birth lies in the future."),
             ({"field": "name", "value": "Barack  Obama"}, "The record already holds this value."),
             ({"field": "name", "value": "   "}, "Enter the corrected value."),
             ({"field": "shoe_size", "value": "44"}, "Not a valid choice")]
    for data, message in cases:
        assert message in _act(client, subject_request.id, "rectify", **data), data
    db.session.refresh(person)
    assert (person.name, person.email, person.date_of_birth) == (
        "Barack Obama", "barack@example.org", date(1961, 8, 4))
    # Nothing corrected and nothing described: nothing to carry out.
    page = _act(client, subject_request.id, "perform")
    assert "Correct the record on the case page, or describe what was corrected." in page


def test_photos_are_restricted_while_the_accuracy_is_contested_and_released_after_telling(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    logged_in: Any,
):
    officer = logged_in("privacy_officer")
    person = tagged_barack.person
    subject_request = _rectification_case(client, mailbox, db, person, officer)
    page = _act(client, subject_request.id, "restrict-contested")
    assert "Search and confirm the person&#39;s photos first" in page

    locate.start(subject_request.id, actor=officer)
    run_jobs()
    for match, _face, _asset in locate.candidates(subject_request.id):
        locate.decide(match.id, "confirmed", actor=officer)
    page = _act(client, subject_request.id, "restrict-contested")
    assert "2 photos restricted while the accuracy is checked." in page
    assert "are restricted while the accuracy is checked (Art. 18(1)(a))" in page
    assets = [db.session.get(Asset, a) for a in (tagged_barack.obama_asset,
                                                 tagged_barack.group_asset)]
    assert all(a.is_restricted for a in assets)

    _act(client, subject_request.id, "rectify", field="name", value="Barack H. Obama")
    _act(client, subject_request.id, "perform")
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    text = _pdf_text(subject_request.response_pdf_path)
    assert "2 photos restricted while the accuracy of your data was checked" in text
    assert restriction.can_lift(subject_request)
    mailbox.messages.clear()
    restriction.lift(subject_request.id, "The corrected name was checked against the "
                     "quitclaim and is accurate now.", actor=officer)
    run_jobs()
    assert mailbox.to("barack@example.org")  # told first (Art. 18(3))
    for asset in assets:
        db.session.refresh(asset)
    assert not any(a.is_restricted for a in assets)
