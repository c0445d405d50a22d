"""Invite -> email -> open -> sign -> PDF -> consent colours, end to end."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from likeness.library import consent_status
from likeness.models import InvitationStatus, Quitclaim, QuitclaimInvitation
from likeness.platform.storage import instance_dir
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign


def test_invite_sign_pdf_and_consent_colours(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    page = client.get(path).get_data(as_text=True)
    assert "Hello Barack Obama" in page
    assert 'type="checkbox"' in page and "Social media" in page
    photo = client.get(f"{path}/photo/{tagged_barack.group_asset}.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"

    # Less than asked: website and print, not social media; biometric yes.
    response = sign(client, path, channels=["website", "print"], face_recognition="allow")
    assert response.status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert sorted(c.channel for c in quitclaim.channels) == ["print", "website"]
    assert quitclaim.biometric_consent
    assert quitclaim.text_version == "2026-12-v3"

    run_jobs()  # render the PDF, then email it
    db.session.refresh(quitclaim)
    pdf_bytes = (instance_dir() / quitclaim.pdf_path).read_bytes()
    assert hashlib.sha256(pdf_bytes).hexdigest() == quitclaim.pdf_sha256
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert "Barack Obama" in text
    assert "Website" in text and "Print" in text and "Social media" not in text
    # Dates as people write them: "26 November 2026".
    assert format_date(quitclaim.valid_from, "long", locale="en_GB") in text
    assert format_date(quitclaim.valid_until, "long", locale="en_GB") in text
    assert (quitclaim.valid_until.year - quitclaim.valid_from.year) == 5

    confirmation = [m for m in mailbox.to("barack@example.org")
                    if "signed quitclaim" in m["Subject"]]
    assert len(confirmation) == 1
    attachments = [p for p in confirmation[0].walk() if p.get_filename()]
    assert attachments[0].get_payload(decode=True) == pdf_bytes

    states = consent_status.for_assets([tagged_barack.obama_asset, tagged_barack.group_asset])
    obama = states[tagged_barack.obama_asset]
    (lights,) = obama.faces.values()
    assert lights["website"] == "green" and lights["print"] == "green"
    assert lights["social_media"] == "red" and lights["internal"] == "red"
    assert obama.usable("website") and not obama.usable("social_media")
    # The group photo also shows an untagged man: not usable until he is handled.
    group = states[tagged_barack.group_asset]
    assert sorted(light["website"] for light in group.faces.values()) == ["green", "red"]
    assert not group.usable("website")


def test_a_used_link_shows_410_and_changes_nothing(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    again = client.get(path)
    assert again.status_code == 410
    assert "already been signed" in again.get_data(as_text=True)
    # The way on: the portal where signed consent is seen and changed (issue 27).
    assert '<a class="button" href="/consent">Manage my consent</a>' in again.get_data(
        as_text=True)
    second = client.post(path, data={"channels": ["print"], "signer_name": "X"})
    assert second.status_code in {400, 410}
    assert db.session.scalar(select(func.count()).select_from(Quitclaim)) == 1


def test_at_least_one_channel_and_a_signature_are_needed(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    no_channel = sign(client, path)
    assert no_channel.status_code == 400
    assert "Tick at least one channel" in no_channel.get_data(as_text=True)
    blank = sign(client, path, channels=["website"], signature="")
    assert blank.status_code == 400
    assert "Please sign: draw your signature" in blank.get_data(as_text=True)
    invitation = db.session.scalars(select(QuitclaimInvitation)).one()
    assert invitation.status == InvitationStatus.OPEN
    assert db.session.scalar(select(func.count()).select_from(Quitclaim)) == 0


def test_a_channel_not_asked_for_cannot_be_granted(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian, channels=["internal"])
    assert sign(client, path, channels=["internal", "third_parties"]).status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert [c.channel for c in quitclaim.channels] == ["internal"]
