"""Quitclaims for photos of a care setting ask for explicit consent (Art. 9(2)(a)); every
consent text names the organisation as the controller and says exactly what a face
template is for."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.library import collection_settings
from likeness.models import Asset, Quitclaim
from likeness.platform.storage import instance_dir
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign

EXPLICIT = "I explicitly consent to their use as stated above (Article 9(2)(a) GDPR)."


def _pdf_text(quitclaim: Quitclaim) -> str:
    data = (instance_dir() / quitclaim.pdf_path).read_bytes()
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_photos_of_a_care_setting_ask_for_explicit_consent(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any
):
    db.session.get(Asset, tagged_barack.group_asset).collection = "Cardiology"
    db.session.commit()
    collection_settings.record_health(
        "Cardiology", reveals_health=True, ground="explicit_consent",
        note="Each patient gives explicit consent on the quitclaim.",
        actor=make_staff("privacy_officer"))
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    page = " ".join(client.get(path).get_data(as_text=True).split())
    assert "taken in a care setting" in page and EXPLICIT in page
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.text_version == "2026-12-v3"
    text = _pdf_text(quitclaim)
    assert "care setting" in text and "explicitly consent" in text


def test_the_consent_text_names_the_controller_and_the_template_s_two_purposes(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    page = " ".join(client.get(path).get_data(as_text=True).split())
    organisation = app.config["ORGANISATION_NAME"]
    assert f"{organisation} is responsible for this use (the controller)." in page
    assert "to suggest my name when new photos in which I may appear are added" in page
    assert "to find the photos of me when a request about my data is made" in page
    assert "will not be used for other purposes" not in page
    assert "care setting" not in page  # not a care setting: no health wording
