"""Words, not codes (issue 27, rough spots): staff pages name who did something (the
staff member's name, "the requester", "the system") where they used to print `staff:1`;
the audit log keeps the reference beside the name, and a person stays a reference there."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from likeness.dsr import casework
from likeness.extensions import db as _db
from tests.support.scenarios import latest_request, submit_request, verify_by_email


def test_the_case_page_names_staff_and_the_requester(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    officer = logged_in("privacy_officer")
    officer.name = "Petra de Vries"
    _db.session.commit()
    casework.send_message(subject_request.id, "Which event was it?", actor=officer,
                          ask_information=True)
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "(Petra de Vries)" in page  # the timeline: who changed the status
    assert "Petra de Vries: Which event was it?" in page  # the message's author
    assert not re.search(r"\bstaff:\d+", page)
    assert "(the requester)" in page or "(the system)" in page


def test_the_audit_log_shows_the_name_beside_the_reference(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any,
):
    officer = logged_in("privacy_officer")
    officer.name = "Petra de Vries"
    _db.session.commit()
    page = client.get("/admin/cockpit/audit").get_data(as_text=True)
    assert f'Petra de Vries <code class="small">staff:{officer.id}</code>' in page
