"""Biometric processing only within what was asked (issue 20, sections 1 and 3): a search
says which photos it did not scan, and bystanders in its scope are compared in memory,
counted, and never stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.dsr import casework, locate, scope
from likeness.errors import Forbidden, InvalidInput
from likeness.library import upload as uploads
from likeness.models import AuditEvent, Face
from tests.support.helpers import FIXTURES, csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, submit_request, verify_by_email


def _add(name: str, actor: Any, collection: str) -> int:
    result = uploads.add_photo((FIXTURES / name).read_bytes(), name, actor=actor,
                               collection=collection)
    assert result.ok and result.asset_id is not None
    return result.asset_id


def _page(client: FlaskClient, request_id: int) -> str:
    response = client.get(f"/admin/requests/{request_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_unscoped_search_says_how_many_photos_it_did_not_scan(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any
):
    _add("obama.jpg", librarian, "Gala")
    _add("two_people.jpg", librarian, "Gala")
    _add("biden.jpg", librarian, "Party")
    run_jobs()
    officer = logged_in("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg", event="The gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    locate.start(subject_request.id, actor=officer)  # no scope set
    run_jobs()
    db.session.refresh(subject_request)
    assert subject_request.search_photos_not_scanned == 3
    page = _page(client, subject_request.id)
    assert "3 photos with untagged faces were not scanned." in page
    # The carry-out dialog says it too, before anything is done.
    asked = client.post(f"/admin/requests/{subject_request.id}/perform",
                        data={"csrf_token": csrf_token_from(page), "decision": ""})
    assert asked.status_code == 200
    assert "3 photos with untagged faces were not scanned." in asked.get_data(as_text=True)

    # Within the Gala the scan looks at two photos: the Party photo stays unscanned.
    scope.set_scope(subject_request.id, collections=["Gala"], date_from=None,
                    date_until=None, actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    page = _page(client, subject_request.id)
    assert "1 photo with untagged faces was not scanned." in page


def test_a_bystander_in_scope_is_compared_in_memory_and_leaves_no_stored_template(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any
):
    _add("two_people.jpg", librarian, "Gala")  # the requester and a bystander
    run_jobs()
    officer = logged_in("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg", event="Gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=["Gala"], date_from=None,
                    date_until=None, actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    faces = db.session.scalars(select(Face)).all()
    assert len(faces) == 2
    candidates = {f.id for _m, f, _a in locate.candidates(subject_request.id)}
    assert len(candidates) == 1  # the requester; the bystander is no candidate
    assert subject_request.search_faces_compared == 2  # both compared, bystander too
    assert subject_request.search_photos_not_scanned == 0
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.template_ciphertext.is_not(None))) == 0  # nothing computed was kept
    page = _page(client, subject_request.id)
    assert "2 untagged faces scanned: compared in memory, never stored" in page
    assert "were not scanned" not in page


def test_a_scope_beyond_what_the_requester_named_needs_a_second_persons_approval(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any,
    make_staff: Any,
):
    _add("obama.jpg", librarian, "Gala")
    _add("obama3.jpg", librarian, "Party")
    run_jobs()
    officer = logged_in("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg", event="the summer gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    # The form comes prefilled with the collection the requester's words name.
    page = _page(client, subject_request.id)
    assert '<option selected value="Gala">' in page or '<option value="Gala" selected' in page
    assert 'value="Party" selected' not in page

    # Within what was named: no approval needed.
    scope.set_scope(subject_request.id, collections=["Gala"], date_from=None,
                    date_until=None, actor=officer)
    assert not scope.awaiting_approval(subject_request)

    # The Party too goes beyond it: nothing is scanned until a second person approves.
    page = _page(client, subject_request.id)
    saved = client.post(f"/admin/requests/{subject_request.id}/scope", data={
        "csrf_token": csrf_token_from(page), "collections": ["Gala", "Party"]},
        follow_redirects=True).get_data(as_text=True)
    assert "goes beyond what the requester named" in saved
    db.session.refresh(subject_request)
    assert scope.awaiting_approval(subject_request)
    with pytest.raises(InvalidInput, match="must approve it"):
        locate.start(subject_request.id, actor=officer)
    with pytest.raises(Forbidden, match="second person"):
        scope.approve(subject_request.id, reason="I think this is needed for the answer.",
                      actor=officer)
    assignee = make_staff("privacy_officer")
    casework.assign(subject_request.id, assignee.id, actor=officer)
    with pytest.raises(Forbidden, match="second person"):
        scope.approve(subject_request.id, reason="I handle it and think it is needed.",
                      actor=assignee)
    with pytest.raises(Forbidden):
        scope.approve(subject_request.id, reason="A librarian cannot approve this at all.",
                      actor=librarian)
    second = make_staff("privacy_officer")
    with pytest.raises(InvalidInput, match="at least a sentence"):
        scope.approve(subject_request.id, reason="ok", actor=second)
    scope.approve(subject_request.id, reason="He was at the after-party of the same gala, "
                  "his message says so.", actor=second)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.scope_approved")).one()
    assert event.actor == f"staff:{second.id}"
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    assert len(locate.candidates(subject_request.id)) == 2  # Gala and Party photos
    page = _page(client, subject_request.id)
    assert "Wider scope approved" in page and "after-party" in page
