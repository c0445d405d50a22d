"""Health data (Art. 9): photos of a care setting are tagged and scanned only once a
privacy officer recorded the Art. 9 ground for their collection; the answer names the
collections a search left out, and why."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.dsr import actions, locate, scope
from likeness.errors import InvalidInput
from likeness.library import collection_settings, tagging
from likeness.library import upload as uploads
from likeness.models import Face
from likeness.platform.storage import instance_dir
from tests.support.helpers import FIXTURES, csrf_token_from, run_jobs
from tests.support.scenarios import (
    latest_request,
    record_identity_check,
    submit_request,
    verify_by_email,
)


def _add(name: str, actor: Any, collection: str) -> int:
    result = uploads.add_photo((FIXTURES / name).read_bytes(), name, actor=actor,
                               collection=collection)
    assert result.ok and result.asset_id is not None
    return result.asset_id


def _face(db: Any, asset_id: int) -> Face:
    return db.session.scalars(select(Face).where(Face.asset_id == asset_id)).first()


def test_nobody_is_tagged_in_a_care_collection_until_its_ground_is_recorded(
    app: Flask, client: FlaskClient, db: Any, librarian: Any, logged_in: Any
):
    ward = _add("obama.jpg", librarian, "Cardiology")
    run_jobs()
    officer = logged_in("privacy_officer")
    collection_settings.record_health("Cardiology", reveals_health=True, ground=None,
                                      actor=officer)
    face = _face(db, ward)
    with pytest.raises(InvalidInput, match="Cardiology.*reveal health"):
        tagging.tag_new_person(face.id, "Barack Obama", actor=librarian)
    assert _face(db, ward).person_id is None

    # The officer's page shows the gap and records the ground.
    page = client.get("/admin/cockpit/collections").get_data(as_text=True)
    assert "Cardiology" in page and "no ground recorded" in page
    saved = client.post("/admin/cockpit/collections/health", data={
        "csrf_token": csrf_token_from(page), "collection": "Cardiology", "reveals_health": "y",
        "ground": "explicit_consent", "note": "Each patient signs a quitclaim with "
        "explicit consent before the photo is used."}, follow_redirects=True)
    assert saved.status_code == 200
    assert "Reveals health; ground: Explicit consent" in saved.get_data(as_text=True)
    tagging.tag_new_person(face.id, "Barack Obama", actor=librarian)
    assert _face(db, ward).person_id is not None


def test_a_ground_needs_its_explanation_and_a_known_collection(
    app: Flask, db: Any, librarian: Any, make_staff: Any
):
    _add("obama.jpg", librarian, "Cardiology")
    officer = make_staff("privacy_officer")
    with pytest.raises(InvalidInput, match="Explain"):
        collection_settings.record_health("Cardiology", reveals_health=True,
                                          ground="health_care", note=" ", actor=officer)
    with pytest.raises(InvalidInput, match="grounds of Article 9"):
        collection_settings.record_health("Cardiology", reveals_health=True,
                                          ground="because", note="x", actor=officer)
    with pytest.raises(InvalidInput, match="no collection"):
        collection_settings.record_health("Nowhere", reveals_health=True, ground=None,
                                          actor=officer)


def _search(client: FlaskClient, db: Any, mailbox: Any, officer: Any) -> Any:
    submit_request(client, type_="access", selfie="obama2.jpg",
                   event="the Gala and my stay at Cardiology")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=["Gala", "Cardiology"], date_from=None,
                    date_until=None, actor=officer)
    assert not scope.awaiting_approval(subject_request)  # both were named
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    return subject_request


def test_a_search_leaves_out_a_care_collection_without_a_ground_and_says_so(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any
):
    gala = _add("obama.jpg", librarian, "Gala")
    ward = _add("obama3.jpg", librarian, "Cardiology")
    run_jobs()
    officer = logged_in("privacy_officer")
    collection_settings.record_health("Cardiology", reveals_health=True, ground=None,
                                      actor=officer)
    subject_request = _search(client, db, mailbox, officer)
    found = {asset.id for _m, _f, asset in locate.candidates(subject_request.id)}
    assert found == {gala}  # the ward's photo was not compared
    assert subject_request.search_collections_not_scanned == ["Cardiology"]
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "no Article 9 ground is recorded for them: Cardiology" in page

    # With the ground recorded, a new search covers the ward too.
    collection_settings.record_health("Cardiology", reveals_health=True,
                                      ground="health_care", note="Care records, under the "
                                      "professional secrecy of the hospital's staff.",
                                      actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    found = {asset.id for _m, _f, asset in locate.candidates(subject_request.id)}
    assert found == {gala, ward}
    assert subject_request.search_collections_not_scanned is None


def test_the_answer_names_the_collections_not_searched_and_why(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any
):
    _add("obama.jpg", librarian, "Gala")
    _add("obama3.jpg", librarian, "Cardiology")
    run_jobs()
    officer = logged_in("privacy_officer")
    collection_settings.record_health("Cardiology", reveals_health=True, ground=None,
                                      actor=officer)
    subject_request = _search(client, db, mailbox, officer)
    (match, _face, _asset), = locate.candidates(subject_request.id)
    locate.decide(match.id, "confirmed", actor=officer)
    record_identity_check(subject_request.id, officer)
    actions.perform(subject_request.id, actor=officer)
    run_jobs()  # the answer is drafted
    db.session.refresh(subject_request)
    pdf = PdfReader(instance_dir() / subject_request.response_pdf_path)
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "Photos we did not search" in text
    assert "these collections for your face: Cardiology" in text
    assert "Article 9" in text
