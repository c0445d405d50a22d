"""Under 16 the guardian signs; selfies are deleted as soon as they are no longer needed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import invitations
from likeness.dsr import actions, casework, locate
from likeness.errors import InvalidInput
from likeness.models import AuditEvent, Quitclaim, SubjectRequest, utcnow
from likeness.platform import daily
from likeness.platform.storage import instance_dir
from tests.support.helpers import link_in, run_jobs
from tests.support.scenarios import (
    drawn_signature,
    latest_request,
    send_answer,
    sign,
    submit_request,
    verify_by_email,
)


def _minor(db: Any, tagged_barack: Any, guardian: str | None) -> Any:
    person = tagged_barack.person
    person.name = "Sasha"
    person.date_of_birth = date.today() - relativedelta(years=12)
    person.guardian_email = guardian
    db.session.commit()
    return person


def test_an_invitation_for_a_child_needs_a_guardians_address(
    app: Flask, db: Any, tagged_barack: Any, librarian: Any
):
    person = _minor(db, tagged_barack, None)
    with pytest.raises(InvalidInput, match="under 16"):
        invitations.invite(person.id, [tagged_barack.obama_asset], ["website"],
                           actor=librarian)


def test_the_guardian_is_written_to_and_signs_for_the_child(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any,
):
    person = _minor(db, tagged_barack, "michelle@example.org")
    invitations.invite(person.id, [tagged_barack.obama_asset], ["website"], language="en",
                       actor=librarian)
    run_jobs()
    (message,) = mailbox.to("michelle@example.org")
    assert "you sign for Sasha" in message.get_payload(decode=True).decode()
    path = link_in(message, "/quitclaim/sign/")
    page = client.get(path).get_data(as_text=True)
    assert "You sign for Sasha" in page
    assert 'name="face_recognition"' not in page  # never offered under 16
    # The guardian signs; the child does not have to.
    response = sign(client, path, channels=["website"], signer_name="", signature="",
                    guardian_name="Michelle Obama", guardian_signature=drawn_signature(4))
    assert response.status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.guardian_name == "Michelle Obama" and quitclaim.signature_png is None
    assert not quitclaim.biometric_consent


def test_an_adult_sees_no_guardian_block(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any,
):
    invitations.invite(tagged_barack.person.id, [tagged_barack.obama_asset], ["website"],
                       language="en", actor=librarian)
    run_jobs()
    path = link_in(mailbox.to("barack@example.org")[0], "/quitclaim/sign/")
    page = client.get(path).get_data(as_text=True)
    assert 'class="guardian hidden-unless-needed"' in page
    assert 'name="face_recognition"' in page


def test_an_unverified_requests_selfie_is_gone_after_14_days(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    subject_request = latest_request(db)
    selfie = instance_dir() / subject_request.selfie_path
    assert selfie.exists()
    with time_machine.travel(utcnow() + timedelta(days=13), tick=False):
        daily.schedule_if_due()
        run_jobs()
        assert selfie.exists()  # not yet
    with time_machine.travel(utcnow() + timedelta(days=15), tick=False):
        daily.schedule_if_due()
        run_jobs()
    db.session.expire_all()
    request = db.session.get(SubjectRequest, subject_request.id)
    assert not selfie.exists()
    assert request.selfie_path is None and request.selfie_template_ciphertext is None
    assert request.status == "closed" and request.email == "" and request.name == ""
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.purged_unverified")).one()


def test_a_selfie_is_gone_as_soon_as_the_request_is_carried_out(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    selfie = instance_dir() / subject_request.selfie_path
    locate.start(subject_request.id, actor=officer)  # an empty library: nothing found
    run_jobs()
    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    # Carried out: the answer is a draft, not yet sent, and the selfie is already gone.
    assert subject_request.response_pdf_path and not selfie.exists()
    assert subject_request.selfie_deleted_at is not None
    send_answer(subject_request.id, officer)
    db.session.refresh(subject_request)
    assert subject_request.selfie_path is None


def test_a_refusal_deletes_the_selfie_at_once(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    selfie = instance_dir() / subject_request.selfie_path
    casework.refuse(subject_request.id, "Manifestly unfounded.", actor=officer)
    assert not selfie.exists() and subject_request.selfie_path is None
