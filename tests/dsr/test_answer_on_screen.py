"""The drafted answer read on screen (issue 27, wrong result 1): staff read the answer's
text as HTML from the case page, in the person's language; opening it is an audited read
that commits, so the Review step is done in one click and the send dialog no longer says
nobody opened the draft. The PDF stays the document sent."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.dsr import locate
from likeness.models import AuditEvent, SubjectRequest
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, submit_request, verify_by_email


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _drafted(client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
             language: str = "en") -> SubjectRequest:
    """An access request carried out on an empty library, its answer drafted."""
    submit_request(client, type_="access", selfie="obama2.jpg", language=language)
    verify_by_email(client, mailbox)
    subject_request: SubjectRequest = latest_request(db)
    officer = logged_in("privacy_officer")
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    token = csrf_token_from(_page(client, f"/admin/requests/{subject_request.id}"))
    client.post(f"/admin/requests/{subject_request.id}/perform",
                data={"csrf_token": token, "confirmed": "yes"})
    run_jobs()
    return subject_request


def _review_state(page: str) -> str:
    import re

    found = re.search(r'<li class="step step-(\w+)"[^>]*>\s*<span class="step-label">Review<',
                      page)
    assert found, "no Review step"
    return found.group(1)


def test_reading_the_answer_on_screen_is_the_review_and_is_recorded(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    subject_request = _drafted(client, db, mailbox, logged_in)
    case_path = f"/admin/requests/{subject_request.id}"
    case = _page(client, case_path)
    assert _review_state(case) == "current"
    assert f'href="{case_path}/answer">Read the answer</a>' in case
    assert 'data-confirm="Nobody has opened this draft yet.' in case

    text = _page(client, f"{case_path}/answer")
    # The answer's own words, as the person reads them, with the send button beside them.
    assert f"Answer to your request {subject_request.reference}" in text
    assert "Dear Barack Obama," in text
    assert "Purposes of the processing" in text and "Right to complain" in text
    assert "The PDF is the document that is sent" in text
    assert "Send the answer to barack@example.org" in text
    assert 'data-confirm="The answer goes to barack@example.org' in text

    # The read committed (a GET with a unit of work), so it survives a rollback.
    db.session.rollback()
    reads = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "request.file_read",
        AuditEvent.subject == f"request:{subject_request.id}")).all()
    assert [details["file"] for details in reads] == ["answer.html"]
    case = _page(client, case_path)
    assert _review_state(case) == "done"
    assert "Nobody has opened this draft yet." not in case
    # The PDF is still there, and is what goes out.
    assert client.get(f"{case_path}/files/answer.pdf").status_code == 200


def test_the_answer_reads_in_the_persons_language_on_a_staff_page_in_english(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    subject_request = _drafted(client, db, mailbox, logged_in, language="nl")
    text = _page(client, f"/admin/requests/{subject_request.id}/answer")
    assert '<article class="answer-text" lang="nl">' in text
    assert f"Antwoord op uw verzoek {subject_request.reference}" in text
    assert "Back to request" in text  # the staff page around it stays in English


def test_no_draft_no_answer_page_and_a_refusal_replaces_the_text(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request: SubjectRequest = latest_request(db)
    logged_in("privacy_officer")
    missing = client.get(f"/admin/requests/{subject_request.id}/answer")
    assert missing.status_code == 404
    assert "no draft of the answer to read yet" in missing.get_data(as_text=True)
    assert client.get("/admin/requests/999999/answer").status_code == 404

    case_path = f"/admin/requests/{subject_request.id}"
    client.post(f"{case_path}/refuse", data={
        "csrf_token": csrf_token_from(_page(client, case_path)),
        "reason": "We could not establish who you are.", "confirmed": "yes"})
    db.session.expire_all()
    assert latest_request(db).response_html is None  # the old text goes with the old PDF
    run_jobs()
    text = _page(client, f"{case_path}/answer")
    assert "We cannot grant your request" in text
    assert "We could not establish who you are." in text
    assert "Purposes of the processing" not in text
