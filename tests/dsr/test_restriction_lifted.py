"""Art. 18: a restricted photo cannot be tagged, and the restriction ends only after the
person was told, with the reason (Art. 18(3))."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.dsr import actions, locate, restriction, scope
from likeness.errors import InvalidInput
from likeness.library import tagging
from likeness.models import Asset, Face, OutgoingEmail
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    record_identity_check,
    send_answer,
    submit_request,
    verify_by_email,
)

REASON = "We verified the accuracy of the photo caption with the person's employer."


def test_a_restriction_is_lifted_only_after_the_person_was_told(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    logged_in: Any
):
    (asset_id,) = upload("two_people.jpg")
    officer = logged_in("privacy_officer")
    submit_request(client, type_="restriction", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="One photo", actor=officer)
    approve_wider_scope(subject_request.id)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    (match, _face, _asset), = locate.candidates(subject_request.id)
    locate.decide(match.id, "confirmed", actor=officer)
    record_identity_check(subject_request.id, officer)
    actions.perform(subject_request.id, actor=officer)
    assert db.session.get(Asset, asset_id).is_restricted

    # While restricted nobody is named in it, not even the bystander.
    bystander = db.session.scalars(select(Face).where(Face.asset_id == asset_id,
                                                      Face.id != match.face_id)).first()
    with pytest.raises(InvalidInput, match="restricted"):
        tagging.tag_new_person(bystander.id, "Joe Biden", actor=librarian)

    with pytest.raises(InvalidInput, match="answered"):  # not before the answer
        restriction.lift(subject_request.id, REASON, actor=officer)
    send_answer(subject_request.id, officer)
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "Lift the restriction" in page
    with pytest.raises(InvalidInput, match="reason"):
        restriction.lift(subject_request.id, "ok", actor=officer)
    mailbox.messages.clear()
    response = client.post(f"/admin/requests/{subject_request.id}/lift-restriction",
                           data={"csrf_token": csrf_token_from(page), "reason": REASON})
    assert response.status_code == 302
    assert db.session.get(Asset, asset_id).is_restricted  # not before the message left
    run_jobs()
    (told,) = mailbox.to("barack@example.org")
    body = told.get_payload(decode=True).decode()
    assert REASON in body and "18(3)" in body
    db.session.expire_all()
    assert not db.session.get(Asset, asset_id).is_restricted
    email = db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.then_job == restriction.release.name)).one()
    db.session.refresh(subject_request)
    assert email.sent_at <= subject_request.restriction_lifted_at
    tagging.tag_new_person(bystander.id, "Joe Biden", actor=librarian)  # usable again
    with pytest.raises(InvalidInput, match="once"):
        restriction.lift(subject_request.id, REASON, actor=officer)
