"""A complete register of processing (Art. 30) and the privacy notice (Art. 13) built
from the same facts: purposes with their Art. 6 basis and Art. 9 ground, controller and
DPO, processors kept in the cockpit, recipients, retention per category."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.cockpit import register, schedules
from likeness.models import AuditEvent, Processor
from tests.cockpit import factories
from tests.support.helpers import csrf_token_from


def _text(document: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    return re.sub(r"\s+", " ", text)


def _page(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.fixture
def controller(app: Flask) -> None:
    app.config.update(ORGANISATION_NAME="Gemeente Voorbeeld",
                      ORGANISATION_ADDRESS="Markt 1, 1234 AB Voorbeeld",
                      ORGANISATION_EMAIL="privacy@voorbeeld.nl", DPO_CONTACT="fg@voorbeeld.nl",
                      CONTROLLER_TYPE="public")


def _add_processors(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/admin/cockpit/processors").get_data(as_text=True))
    for name, service, where in (("Cloud Hosting BV", "hosting", "Nederland"),
                                 ("Mailservice GmbH", "mail", "Duitsland"),
                                 ("Opslag NV", "object_storage", "België")):
        response = client.post("/admin/cockpit/processors", data={
            "csrf_token": token, "name": name, "service": service, "location": where,
            "agreement": "VWO 2026-01"})
        assert response.status_code == 302


def test_processors_are_kept_in_the_cockpit_audited_and_checked(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    app.config["STORAGE"] = "s3"  # only read by the page here; no file is touched
    page = client.get("/admin/cockpit/processors").get_data(as_text=True)
    app.config["STORAGE"] = "local"
    assert "no recorded processor provides" in page
    assert all(label in page for label in ("Hosting (servers and database)", "Sending email",
                                           "Object storage (photos and documents)"))
    _add_processors(client)
    app.config["STORAGE"] = "s3"
    page = client.get("/admin/cockpit/processors").get_data(as_text=True)
    app.config["STORAGE"] = "local"
    assert "no recorded processor provides" not in page
    assert "Cloud Hosting BV" in page and "Sending email" in page
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "processor.added")).all()) == 3
    token = csrf_token_from(page)
    response = client.post("/admin/cockpit/processors", data={
        "csrf_token": token, "name": "", "service": "hosting"})
    assert response.status_code == 400 and "This field is required." in response.get_data(
        as_text=True)
    response = client.post("/admin/cockpit/processors", data={
        "csrf_token": token, "name": "X", "service": "crypto-mining"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(
        as_text=True)
    assert len(db.session.scalars(select(Processor)).all()) == 3
    mail = db.session.scalars(select(Processor).where(Processor.service == "mail")).one()
    response = client.post(f"/admin/cockpit/processors/{mail.id}/remove",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Processor removed." in response.get_data(as_text=True)
    assert client.post("/admin/cockpit/processors/999999/remove",
                       data={"csrf_token": token}).status_code == 404
    assert {p.name for p in db.session.scalars(select(Processor))} == {
        "Cloud Hosting BV", "Opslag NV"}


def test_a_librarian_cannot_change_processors(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("librarian")
    assert client.get("/admin/cockpit/processors").status_code == 403


def test_the_register_states_every_purpose_basis_ground_processor_and_period(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any, controller: None
):
    officer = logged_in("privacy_officer")
    _add_processors(client)
    english = _text(register.pdf("en", actor=officer))
    for expected in ("Markt 1, 1234 AB Voorbeeld", "privacy@voorbeeld.nl", "fg@voorbeeld.nl",
                     "Public task (Art. 6(1)(e) GDPR)", "Consent (Art. 6(1)(a) GDPR)",
                     "Legal obligation (Art. 6(1)(c) GDPR)",
                     "Explicit consent, given separately (Art. 9(2)(a) GDPR)",
                     "Art. 9(2)(g) GDPR with Art. 12(2) and 15 GDPR",
                     "Photos taken in care settings can reveal health",
                     "Cloud Hosting BV", "Mailservice GmbH", "Opslag NV",
                     "Object storage (photos and documents)",
                     "Audit log events: deleted after 5 years",
                     "Backups (which hold all of the above): deleted after 35 days",
                     "Export ZIPs of an answered request: deleted after 90 days",
                     "Entries of the disclosure register: deleted after 5 years",
                     "Closed breaches in the breach log: deleted after 5 years",
                     "Dates of birth typed on signing links: deleted after 90 days"):
        assert expected in english, expected
    assert "your data" not in english.lower()

    dutch = _text(register.pdf("nl", actor=officer))
    assert "gegevens van betrokkenen" in dutch
    assert "uw gegevens" not in dutch.lower() and "je gegevens" not in dutch.lower()
    assert "Publieke taak (artikel 6, eerste lid, onder e, AVG)" in dutch
    assert "Cloud Hosting BV" in dutch and "5 jaar" in dutch
    page = _page(client.get("/admin/cockpit/register").get_data(as_text=True))
    assert "Mailservice GmbH" in page and "Markt 1, 1234 AB Voorbeeld" in page


def test_the_privacy_notice_is_built_from_the_same_facts_in_both_languages(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any, controller: None
):
    officer = logged_in("privacy_officer")
    _add_processors(client)
    photo = factories.asset(db)
    factories.disclosure(db, photo, recipient="Dagblad van het Noorden", kind="publication",
                         channel="print")
    db.session.commit()
    schedules.save({schedules.PHOTO_YEARS.key: 7}, actor=officer)
    english = _page(client.get("/privacy", headers={"Accept-Language": "en"}).get_data(
        as_text=True))
    for expected in ("Markt 1, 1234 AB Voorbeeld", "privacy@voorbeeld.nl", "fg@voorbeeld.nl",
                     "Public task (Art. 6(1)(e) GDPR)", "Art. 9(2)(g) GDPR",
                     "your face is compared too: only in memory",
                     "Cloud Hosting BV", "Mailservice GmbH", "Opslag NV",
                     "publications (Print)", "deleted after upload plus 7 years",
                     "Where the data comes from", "Autoriteit Persoonsgegevens",
                     "object to it (bezwaar)", "Right to object (Art. 21 GDPR)",
                     "by automated means alone (Art. 22 GDPR)"):
        assert expected in english, expected
    # Recipients by category only: the register names them, the notice does not.
    assert "Dagblad van het Noorden" not in english
    register_text = _text(register.pdf("en", actor=officer))
    assert "deleted after upload plus 7 years" in register_text

    dutch = _page(client.get("/privacy", headers={"Accept-Language": "nl"}).get_data(
        as_text=True))
    for expected in ("Privacyverklaring", "Publieke taak (artikel 6, eerste lid, onder e, AVG)",
                     "Cloud Hosting BV", "7 jaar", "Autoriteit Persoonsgegevens",
                     "Waar de gegevens vandaan komen"):
        assert expected in dutch, expected

