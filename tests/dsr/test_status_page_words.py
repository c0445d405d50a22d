"""The person's status page (issue 27, rough spots): a message box that is required only
when we asked something, a reply that returns the case to where it was (never backwards),
and no "we answer by" once the answer went out."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from likeness.dsr import casework, locate
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, send_answer, submit_request, verify_by_email


def _status(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _textarea(page: str) -> str:
    found = re.search(r"<textarea[^>]*>", page)
    assert found, "no message box"
    return found.group(0)


def _carry_out(client: FlaskClient, request_id: int) -> None:
    client.post(f"/admin/requests/{request_id}/perform", data={
        "csrf_token": csrf_token_from(_status(client, f"/admin/requests/{request_id}")),
        "confirmed": "yes"})


def test_the_message_box_is_required_only_when_we_asked_and_a_reply_keeps_the_progress(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    status_path = verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    officer = logged_in("privacy_officer")
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    _carry_out(client, subject_request.id)
    db.session.refresh(subject_request)
    assert subject_request.status == "in_progress"

    page = _status(client, status_path)
    assert "Send us a message" in page
    assert "only if you want to add something" in page
    box = _textarea(page)
    assert "required" not in box  # neither `required` nor `aria-required`
    assert "We answer by" in page
    # An empty message is refused at the box, in words, with nothing stored.
    empty = client.post(status_path, data={"csrf_token": csrf_token_from(page), "body": ""})
    assert empty.status_code == 400
    assert 'aria-invalid="true"' in _textarea(empty.get_data(as_text=True))
    assert "Write your answer." in empty.get_data(as_text=True)

    casework.send_message(subject_request.id, "Which event was it?", actor=officer,
                          ask_information=True)
    page = _status(client, status_path)
    assert "Send us a message" not in page
    assert 'aria-required="true"' in _textarea(page)
    client.post(status_path, data={"csrf_token": csrf_token_from(page),
                                   "body": "The opening of the new wing."})
    db.session.refresh(subject_request)
    assert subject_request.status == "in_progress"  # where it was, not back to "open"


def test_after_the_answer_the_page_says_when_we_answered_not_by_when(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    status_path = verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    officer = logged_in("privacy_officer")
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    _carry_out(client, subject_request.id)
    send_answer(subject_request.id, officer)
    page = _status(client, status_path)
    assert "We answer by" not in page
    assert re.search(r"We answered on \d{1,2} \w+ \d{4}\.", page)
    assert "<textarea" not in page
