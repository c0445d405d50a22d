"""A person signs on a phone: ticks channels, draws a signature with a finger."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.consent import invitations
from likeness.extensions import db
from likeness.library import tagging, upload
from likeness.models import Face, Quitclaim
from likeness.staff import accounts
from tests.support.browser import PHONE, chromium, live_server
from tests.support.helpers import FIXTURES, run_jobs

pytestmark = pytest.mark.browser


def test_sign_on_a_phone_with_a_drawn_signature(committed_app: Flask, tmp_path: Path):
    librarian, _ = accounts.create_staff("lib@example.org", "librarian", password="library pass 1")
    asset_id = upload.add_photo((FIXTURES / "obama.jpg").read_bytes(), "obama.jpg",
                                 actor=librarian).asset_id
    run_jobs()  # the worker's session ends: reload what we hold
    librarian = accounts.find_by_email("lib@example.org")
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    tagging.tag_new_person(face.id, "Barack Obama", actor=librarian)
    person = face.person_id
    from likeness.models import Person

    db.session.get(Person, person).email = "barack@example.org"
    db.session.get(Person, person).date_of_birth = date(1961, 8, 4)
    db.session.commit()
    invitation = invitations.invite(person, [asset_id], ["website", "social_media"],
                                   language="en", actor=librarian)
    token = invitations.invitation_token(invitation)

    with live_server(committed_app) as base, chromium(**PHONE) as page:
        page.goto(f"{base}/quitclaim/sign/{token}")
        assert page.locator(".thumb-strip img").count() == 1
        page.get_by_label("Website").check()
        page.get_by_label("Never use face recognition on photos of me").check()
        page.get_by_label("Your full name").fill("Barack Obama")
        page.locator("#signature-pad").scroll_into_view_if_needed()
        pad = page.locator("#signature-pad").bounding_box()
        page.mouse.move(pad["x"] + 20, pad["y"] + pad["height"] * 0.7)
        page.mouse.down()
        for step in range(1, 12):
            height = pad["height"] * (0.3 + 0.05 * (step % 3))
            page.mouse.move(pad["x"] + 20 + step * 25, pad["y"] + height)
        page.mouse.up()
        page.screenshot(path=str(tmp_path / "sign.png"), full_page=True)
        page.get_by_role("button", name="Sign", exact=True).click()
        page.get_by_role("heading", name="Thank you: your choices are saved").wait_for()

    run_jobs()
    db.session.rollback()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert [c.channel for c in quitclaim.channels] == ["website"]
    assert quitclaim.biometric_consent is False  # refused, and nothing chosen beforehand
    assert quitclaim.signature_png.startswith(b"\x89PNG")
    assert quitclaim.pdf_sha256
