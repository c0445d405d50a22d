"""After an erasure: near-duplicates of the erased photo are held, and the person is
reduced to a suppression record that nothing can invite, mail or tag."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from likeness.consent import invitations
from likeness.dsr import actions, locate
from likeness.errors import DomainError, Forbidden, InvalidInput
from likeness.faces import engine
from likeness.library import people, sharing, suppression, tagging
from likeness.library import upload as uploads
from likeness.models import Asset, ErasureKind, ErasureLedgerEntry, Face, Person
from likeness.platform import mail
from likeness.platform.storage import instance_dir
from likeness.platform.uow import use_case
from tests.support.helpers import FIXTURES, link_in, run_jobs
from tests.support.scenarios import latest_request, send_answer, submit_request, verify_by_email

OBAMA = (FIXTURES / "obama.jpg").read_bytes()


def _erase(client: FlaskClient, mailbox: Any, db: Any, person_id: int, officer: Any) -> int:
    submit_request(client, type_="erasure", details="Remove me")
    verify_by_email(client, mailbox)
    erasure = latest_request(db)
    locate.link_person(erasure.id, person_id, actor=officer)
    locate.start(erasure.id, actor=officer)
    run_jobs()
    for match, _f, _a in locate.candidates(erasure.id):
        locate.decide(match.id, "confirmed", actor=officer, erasure_choice="blur")
    actions.perform(erasure.id, actor=officer)
    run_jobs()
    return erasure.id


def _resaved(quality: int, scale: float = 1.0) -> bytes:
    with Image.open(io.BytesIO(OBAMA)) as image:
        image = image.convert("RGB")
        if scale != 1.0:
            image = image.resize((int(image.width * scale), int(image.height * scale)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def erased(client: FlaskClient, mailbox: Any, db: Any, tagged_barack: Any,
           make_staff: Any) -> Any:
    officer = make_staff("privacy_officer", email="dpo@example.org")
    _erase(client, mailbox, db, tagged_barack.person.id, officer)
    mailbox.messages.clear()
    return officer


def test_near_duplicates_of_an_erased_photo_are_held_and_staff_are_told(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, erased: Any, logged_in: Any,
):
    variants = {"re-saved at quality 94": _resaved(94), "resized to 50%": _resaved(95, 0.5),
                "with one byte appended": OBAMA + b"\0"}
    held_ids = []
    for what, data in variants.items():
        result = uploads.add_photo(data, f"{what}.jpg", actor=librarian)
        assert result.ok and not result.duplicate, what
        asset = db.session.get(Asset, result.asset_id)
        assert asset.is_held_as_erased and asset.is_restricted, what
        assert "erased at someone's request" in asset.restricted_reason
        held_ids.append(asset.id)
    run_jobs()  # indexing, and the mails to staff
    alerts = [m for m in mailbox.to("dpo@example.org") if "held" in m["Subject"]]
    assert sorted(link_in(m, "/admin/assets/") for m in alerts) == sorted(
        f"/admin/assets/{i}" for i in held_ids)

    # Usable nowhere: no share link; staff see it blurred as a whole, faces untaggable.
    with pytest.raises(Forbidden):
        sharing.create([held_ids[0]], channel="website", recipient_name="Agency",
                       recipient_email=None, actor=librarian)
    face = db.session.scalars(select(Face).where(Face.asset_id == held_ids[0])).first()
    assert face is not None  # the face is found...
    someone = people.create("Someone Else", actor=librarian)
    with pytest.raises(InvalidInput, match="held as a copy of an erased photo"):
        tagging.tag(face.id, someone.id, actor=librarian)  # ...but not tagged
    logged_in("librarian")
    page = client.get(f"/admin/assets/{held_ids[0]}").get_data(as_text=True)
    assert "erased at someone&#39;s request" in page and "privacy officer" in page
    preview = client.get(f"/admin/assets/{held_ids[0]}/preview.jpg")
    assert preview.status_code == 200
    with Image.open(io.BytesIO(preview.data)) as shown:
        assert engine.detect(np.asarray(shown.convert("RGB")), upsample=1) == []

    # An unrelated photo is not held.
    other = uploads.add_photo((FIXTURES / "biden.jpg").read_bytes(), "biden.jpg",
                              actor=librarian)
    assert other.ok and not db.session.get(Asset, other.asset_id).is_held_as_erased


def test_the_erased_person_is_reduced_to_a_suppression_record_nothing_can_reach(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, erased: Any,
):
    person = db.session.get(Person, tagged_barack.person.id)
    assert person.is_suppressed and person.erased_at is not None
    assert (person.name, person.email, person.date_of_birth, person.guardian_email) == (
        suppression.ERASED_NAME, None, None, None)
    entry = db.session.scalars(select(ErasureLedgerEntry).where(
        ErasureLedgerEntry.kind == ErasureKind.PERSON_SUPPRESSED)).one()
    assert entry.facts["address_hashes"] == [suppression.keyed_hash("barack@example.org")]
    assert entry.facts["name_hash"] == suppression.keyed_hash("Barack Obama")
    assert "barack" not in str(entry.facts).lower()

    # No invitation to the erased person, nor to a new record with the same address.
    with pytest.raises(InvalidInput, match="asked for erasure"):
        invitations.invite(person.id, [tagged_barack.obama_asset], ["website"],
                           validity_months=12, language="en", actor=librarian)
    again = people.create("B. Obama", email="Barack@Example.org", actor=librarian)
    with pytest.raises(InvalidInput, match="asked for erasure"):
        invitations.invite(again.id, [tagged_barack.group_asset], ["website"],
                           validity_months=12, language="en", actor=librarian)
    biden_face = db.session.scalars(select(Face).where(
        Face.asset_id == tagged_barack.group_asset, Face.is_always_blurred.is_(False))).first()
    with pytest.raises(InvalidInput, match="asked for erasure"):
        tagging.tag(biden_face.id, again.id, actor=librarian)
    with pytest.raises(DomainError, match="erased at their request"):
        _queue("barack@example.org", "manage_consent_link")
    assert mailbox.to("barack@example.org") == []


@use_case
def _queue(recipient: str, template: str) -> None:
    mail.queue_email(recipient, template, link="https://example.org/x")


def test_the_erasure_answer_lists_what_is_kept_and_why_backups_included(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    erased: Any,
):
    erasure = latest_request(db)
    send_answer(erasure.id, erased)
    db.session.refresh(erasure)
    reader = PdfReader(instance_dir() / erasure.response_pdf_path)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for kept in ("Kept: a suppression record", "Kept: a record of what was erased",
                 "Kept: backups made before today", "Kept: this request"):
        assert kept in text, kept
