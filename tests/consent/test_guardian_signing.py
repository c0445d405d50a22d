"""A child cannot complete a signature for themselves: under 16 only the parent's own
link does, and everything then speaks to the parent as the parent."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.consent import invitations, signing
from likeness.errors import InvalidInput
from likeness.models import AuditEvent, Person, Quitclaim, QuitclaimInvitation
from likeness.platform import daily
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, link_in, run_jobs
from tests.support.scenarios import drawn_signature, sign

CHILD = "sasha@example.org"
PARENT = "michelle@example.org"


def _unknown_age(db: Any, person: Person) -> Person:
    """Staff know the person's address but not their age: the link goes to them."""
    person.name = "Sasha"
    person.email = CHILD
    person.date_of_birth = None
    db.session.commit()
    return person


def _text(message: Any) -> str:
    return "\n".join([message["Subject"]] + [
        part.get_payload(decode=True).decode() for part in message.walk()
        if part.get_content_type() == "text/plain"])


def test_a_child_cannot_complete_a_signature_for_themselves(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any,
):
    person = _unknown_age(db, tagged_barack.person)
    invitations.invite(person.id, [tagged_barack.obama_asset], ["website"], language="en",
                       actor=librarian)
    run_jobs()
    path = link_in(mailbox.to(CHILD)[0], "/quitclaim/sign/")
    twelve = (amsterdam_today() - relativedelta(years=12)).isoformat()

    # The child types an under-16 date, any "parent" name and a typed "parent" signature.
    response = sign(client, path, channels=["website"], signer_name="Sasha",
                    date_of_birth=twelve, guardian_name="My Mum",
                    guardian_signature_kind="typed", guardian_signature="")
    assert response.status_code == 400
    assert "Email address of your parent or guardian" in response.get_data(as_text=True)
    response = sign(client, path, channels=["website"], date_of_birth=twelve,
                    guardian_name="My Mum", guardian_email="mum at home")
    assert response.status_code == 400
    assert "not a valid email address" in response.get_data(as_text=True)
    # Their own address is not their parent's.
    response = sign(client, path, channels=["website"], date_of_birth=twelve,
                    guardian_name="My Mum", guardian_email=CHILD)
    assert response.status_code == 400
    assert "That is your own address" in response.get_data(as_text=True)
    # The service refuses too, whatever reaches it.
    token = path.rsplit("/", 1)[-1]
    with pytest.raises(InvalidInput, match="through their own link"):
        signing.sign(token, signing.Signature(
            channels=["website"], biometric_consent=False, signer_name="Sasha",
            signature_png=None, date_of_birth=date.today() - relativedelta(years=12),
            guardian_name="My Mum", guardian_signature_kind="typed"))
    assert db.session.scalars(select(Quitclaim)).all() == []

    response = sign(client, path, channels=["website"], date_of_birth=twelve,
                    guardian_name="Michelle Obama", guardian_email=PARENT)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/quitclaim/passed-on")
    assert db.session.scalars(select(Quitclaim)).all() == []
    gone = client.get(path)
    assert gone.status_code == 410 and "parent or guardian" in gone.get_data(as_text=True)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.guardian_email == PARENT and person.date_of_birth is not None
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "quitclaim.forwarded_to_guardian")).one()

    # The parent signs through their own link.
    run_jobs()
    (invitation_mail,) = mailbox.to(PARENT)
    assert "you sign for Sasha" in _text(invitation_mail)
    parents = link_in(invitation_mail, "/quitclaim/sign/")
    page = client.get(parents).get_data(as_text=True)
    assert "You sign for Sasha" in page
    assert "As parent or guardian of Sasha, I allow" in page
    response = sign(client, parents, channels=["website"], signer_name="", signature="",
                    guardian_name="Michelle Obama", guardian_signature=drawn_signature(4))
    assert response.status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.guardian_name == "Michelle Obama" and not quitclaim.biometric_consent
    run_jobs()
    db.session.refresh(quitclaim)
    confirmation = [m for m in mailbox.to(PARENT) if "signed" in m["Subject"]][-1]
    assert confirmation["Subject"].startswith("The quitclaim you signed for Sasha")
    assert "you signed as parent or guardian for Sasha" in _text(confirmation)
    assert not [m for m in mailbox.to(CHILD) if "signed" in m["Subject"]]
    pdf = (instance_dir() / quitclaim.pdf_path).read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Michelle Obama, parent or guardian" in text
    assert "As parent or guardian of Sasha, I allow" in text


def test_the_parent_is_answered_in_the_language_they_used(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any,
):
    person = tagged_barack.person
    person.name = "Sasha"
    person.date_of_birth = amsterdam_today() - relativedelta(years=10)
    person.guardian_email = PARENT
    db.session.commit()
    invitations.invite(person.id, [tagged_barack.obama_asset], ["website"], language="en",
                       actor=librarian)
    run_jobs()
    parents = link_in(mailbox.to(PARENT)[0], "/quitclaim/sign/")
    client.get("/lang/nl")
    page = client.get(parents).get_data(as_text=True)
    assert "Als ouder of voogd van Sasha" in page
    sign(client, parents, channels=["website"], signer_name="", signature="",
         guardian_name="Michelle Obama", guardian_signature=drawn_signature(4))
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.language == "nl"
    confirmation = [m for m in mailbox.to(PARENT) if "Sasha" in m["Subject"]][-1]
    assert "die u voor Sasha ondertekende" in confirmation["Subject"]


def test_at_16_the_child_is_told_and_the_parents_link_stops(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    make_staff("privacy_officer")
    person = tagged_barack.person
    person.name = "Sasha"
    person.email = CHILD
    person.date_of_birth = date(2010, 12, 20)
    person.guardian_email = PARENT
    db.session.commit()
    with time_machine.travel(datetime(2026, 12, 19, 10, tzinfo=UTC), tick=False):
        invitation = invitations.invite(person.id, [tagged_barack.obama_asset], ["website"],
                                        language="en", actor=librarian)
        assert invitation.for_guardian
        daily.schedule_if_due()
        run_jobs()
        assert not [m for m in mailbox.to(CHILD) if "16" in m["Subject"]]
        # At 15 the parent's address still opens Sasha's consent.
        page = client.get("/consent")
        client.post("/consent", data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": PARENT})
        run_jobs()
        assert [m for m in mailbox.to(PARENT) if "/consent/manage/" in _text(m)]
        mailbox.messages.clear()
    with time_machine.travel(datetime(2026, 12, 20, 10, tzinfo=UTC), tick=False):
        daily.schedule_if_due()
        run_jobs()
        db.session.expire_all()
        (told,) = [m for m in mailbox.to(CHILD) if "16" in m["Subject"]]
        assert "From today you decide" in _text(told)
        assert "/consent/manage/" in _text(told)
        invitation = db.session.get(QuitclaimInvitation, invitation.id)
        assert invitation.status == "cancelled"
        # The parent's address no longer manages Sasha's consent.
        page = client.get("/consent")
        client.post("/consent", data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": PARENT})
        run_jobs()
        assert not [m for m in mailbox.to(PARENT) if "/consent/manage/" in _text(m)]
        daily.run_daily()  # a second run tells no one twice
        run_jobs()
        assert len([m for m in mailbox.to(CHILD) if "16" in m["Subject"]]) == 1


def test_without_an_own_address_staff_are_asked_to_obtain_one(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any, logged_in: Any,
):
    officer = make_staff("privacy_officer")
    person = tagged_barack.person
    person.email = None
    person.date_of_birth = date(2008, 12, 20)
    person.guardian_email = PARENT
    db.session.commit()
    with time_machine.travel(datetime(2026, 12, 20, 10, tzinfo=UTC), tick=False):
        daily.schedule_if_due()
        run_jobs()
    (task,) = mailbox.to(officer.email)
    assert "Obtain an address" in task["Subject"] and f"/people/{person.id}" in _text(task)
    assert "turned 18" in _text(task)
    assert not mailbox.to(PARENT)
    # The task stays on the person page and the dashboard until an address is filled in.
    with time_machine.travel(datetime(2026, 12, 21, 10, tzinfo=UTC), tick=False):
        logged_in("privacy_officer")
        page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
        assert "Task: the guardian's rights ended when Barack Obama turned 18" in page
        assert "counts for nothing: 18 or older" in page
        dashboard = client.get("/admin/cockpit/").get_data(as_text=True)
        assert f'href="/admin/people/{person.id}">Barack Obama</a>' in dashboard


def test_a_child_known_only_as_under_16_is_not_invited_without_a_date_of_birth(
    app: Flask, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any,
):
    person = tagged_barack.person
    person.date_of_birth = None
    person.is_minor = True
    person.guardian_email = PARENT
    db.session.commit()
    with pytest.raises(InvalidInput, match="no date of birth on file") as refused:
        invitations.invite(person.id, [tagged_barack.obama_asset], ["website"],
                           actor=librarian)
    assert refused.value.field == "date_of_birth"
    run_jobs()
    assert not mailbox.to(PARENT) and not db.session.scalars(select(QuitclaimInvitation)).all()
