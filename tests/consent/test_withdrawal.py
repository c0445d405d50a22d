"""Withdrawing consent from the portal, and what it does at once."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.library import consent_status, sharing
from likeness.models import AuditEvent, Face, Quitclaim, RecipientNotice, ShareLink
from tests.support.helpers import csrf_token_from, link_in, run_jobs
from tests.support.scenarios import invite_and_open, sign

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _signed(client, mailbox, scenario, librarian, **fields) -> Quitclaim:
    path = invite_and_open(client, mailbox, scenario, librarian)
    assert sign(client, path, **fields).status_code == 302
    run_jobs()
    mailbox.messages.clear()
    from likeness.extensions import db

    return db.session.scalars(select(Quitclaim)).one()


def _manage_link(client: FlaskClient, mailbox: Any, email: str) -> str:
    page = client.get("/consent")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/consent", data={"email": email, "csrf_token": token})
    assert response.status_code == 200
    assert "If we hold consent for this address" in response.get_data(as_text=True)
    run_jobs()
    (message,) = mailbox.to(email)
    return link_in(message, "/consent/manage/")


def _withdraw(client: FlaskClient, manage: str, quitclaim_id: int, scope: str) -> Any:
    confirm = client.get(f"{manage}/withdraw/{quitclaim_id}?scope={scope}")
    assert confirm.status_code == 200
    token = csrf_token_from(confirm.get_data(as_text=True))
    return client.post(f"{manage}/withdraw/{quitclaim_id}?scope={scope}",
                       data={"csrf_token": token})


def _templates_of(db: Any, person_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == person_id, Face.template_ciphertext.is_not(None)))


def test_withdrawing_biometric_consent_deletes_every_template_of_the_person(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    quitclaim = _signed(client, mailbox, tagged_barack, librarian,
                        channels=["website", "print"], face_recognition="allow")
    person_id = tagged_barack.person.id
    assert _templates_of(db, person_id) == 2
    others = db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id.is_(None), Face.template_ciphertext.is_not(None)))

    manage = _manage_link(client, mailbox, "barack@example.org")
    overview = client.get(manage).get_data(as_text=True)
    assert f"Quitclaim {quitclaim.id} for Barack Obama" in overview
    assert _withdraw(client, manage, quitclaim.id, "biometric").status_code == 302

    assert _templates_of(db, person_id) == 0
    # Only his: the other man's template is untouched.
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id.is_(None), Face.template_ciphertext.is_not(None))) == others
    db.session.refresh(quitclaim)
    assert quitclaim.biometric_withdrawn_at is not None and quitclaim.status == "signed"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "face.templates_deleted")).one()
    assert event.details["count"] == 2 and event.subject == f"person:{person_id}"
    # The photo consent itself stays.
    lights = consent_status.for_asset(tagged_barack.obama_asset).faces
    assert next(iter(lights.values()))["website"] == "green"


def test_withdrawing_one_channel_changes_only_that_channel_and_its_share_links(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any,
    make_staff: Any,
):
    dpo = make_staff("privacy_officer")
    quitclaim = _signed(client, mailbox, tagged_barack, librarian, channels=["website", "print"])
    website_link, _ = sharing.create([tagged_barack.obama_asset], channel="website",
                                     recipient_name="Newspaper",
                                     recipient_email="desk@news.example",
                                     actor=librarian)
    print_link, _ = sharing.create([tagged_barack.obama_asset], channel="print",
                                   recipient_name="Printer", recipient_email="print@shop.example",
                                   actor=librarian)
    manage = _manage_link(client, mailbox, "barack@example.org")
    mailbox.messages.clear()
    assert _withdraw(client, manage, quitclaim.id, "channel:website").status_code == 302
    run_jobs()

    lights = next(iter(consent_status.for_asset(tagged_barack.obama_asset).faces.values()))
    assert lights["website"] == "red" and lights["print"] == "green"
    db.session.refresh(quitclaim)
    assert quitclaim.status == "signed"
    assert db.session.get(ShareLink, website_link.id).revoked_at is not None
    assert db.session.get(ShareLink, print_link.id).revoked_at is None
    notice = db.session.scalars(select(RecipientNotice)).one()
    assert notice.share_link_id == website_link.id and notice.sent_at is not None
    assert len(mailbox.to("desk@news.example")) == 1
    assert mailbox.to("print@shop.example") == []
    (alert,) = mailbox.to(dpo.email)
    assert "Consent ended" in alert["Subject"]


def test_withdrawing_everything_makes_all_channels_red(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    quitclaim = _signed(client, mailbox, tagged_barack, librarian, channels=["website"])
    manage = _manage_link(client, mailbox, "barack@example.org")
    _withdraw(client, manage, quitclaim.id, "all")
    db.session.refresh(quitclaim)
    assert quitclaim.status == "withdrawn"
    lights = next(iter(consent_status.for_asset(tagged_barack.obama_asset).faces.values()))
    assert set(lights.values()) == {"red"}
    assert "Withdrawn" in client.get(manage).get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_and_no_mail(app: Flask, client: FlaskClient,
                                                        mailbox: Any):
    page = client.get("/consent")
    response = client.post("/consent", data={
        "email": "stranger@example.org",
        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 200
    assert "If we hold consent for this address" in response.get_data(as_text=True)
    run_jobs()
    assert mailbox.messages == []


def test_another_persons_quitclaim_is_404(app: Flask, client: FlaskClient, db: Any,
                                          mailbox: Any, tagged_barack: Any, librarian: Any):
    from datetime import timedelta

    from likeness.consent.portal import _digest
    from likeness.models import ConsentLink, utcnow

    quitclaim = _signed(client, mailbox, tagged_barack, librarian, channels=["website"])
    stranger = "a-live-link-of-someone-else"
    db.session.add(ConsentLink(token_sha256=_digest(stranger), email="stranger@example.org",
                               expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    response = client.get(f"/consent/manage/{stranger}/withdraw/{quitclaim.id}?scope=all")
    assert response.status_code == 404


def test_withdrawn_templates_leave_this_process_index_in_place_without_a_rebuild(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    from likeness.consent import withdrawal
    from likeness.faces import index
    from likeness.platform.actor import person_actor

    quitclaim = _signed(client, mailbox, tagged_barack, librarian,
                        channels=["website"], face_recognition="allow")
    face_index, _ = index.current_index()
    person_faces = set(db.session.scalars(select(Face.id).where(
        Face.person_id == tagged_barack.person.id)))
    assert person_faces <= set(face_index.ids.tolist())
    withdrawal.withdraw(quitclaim.id, actor=person_actor(tagged_barack.person.id),
                        biometric_only=True)
    after, decrypted = index.current_index()
    assert decrypted == 0  # patched in place with the removed face ids
    assert not person_faces & set(after.ids.tolist())
