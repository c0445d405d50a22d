"""Regressions found in review: each case a user (or an attacker) could run into."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from bench.upload_memory import flat_png
from likeness.consent import withdrawal
from likeness.dsr import actions, casework, locate, objection_scope, scope
from likeness.errors import InvalidInput
from likeness.faces import engine
from likeness.library import people, policy_settings, tagging
from likeness.models import AuditEvent, Face, Person, Quitclaim, SubjectRequest
from likeness.platform.actor import person_actor
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, positive_dpia_version, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    invite_and_open,
    latest_request,
    sign,
    submit_request,
    verify_by_email,
)

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _signed(client, mailbox, scenario, librarian, **fields) -> Quitclaim:
    from likeness.extensions import db

    path = invite_and_open(client, mailbox, scenario, librarian)
    assert sign(client, path, **fields).status_code == 302
    run_jobs()
    return db.session.scalars(select(Quitclaim)).one()


def test_merging_a_duplicate_keeps_its_signed_quitclaims(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    quitclaim = _signed(client, mailbox, tagged_barack, librarian, channels=["website"])
    duplicate = tagged_barack.person.id
    main = people.create("Barack H. Obama", actor=librarian)
    people.merge(duplicate, main.id, actor=librarian)
    db.session.refresh(quitclaim)
    assert quitclaim.person_id == main.id
    assert db.session.get(Person, duplicate) is None


def test_a_person_with_quitclaims_cannot_be_deleted(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    _signed(client, mailbox, tagged_barack, librarian, channels=["website"])
    with pytest.raises(InvalidInput, match="kept as evidence"):
        people.delete(tagged_barack.person.id, actor=librarian)
    assert db.session.scalar(select(func.count()).select_from(Quitclaim)) == 1


def test_withdrawing_the_last_channel_ends_biometric_consent_too(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    quitclaim = _signed(client, mailbox, tagged_barack, librarian, channels=["website"],
                        face_recognition="allow")
    withdrawal.withdraw(quitclaim.id, actor=person_actor(1), channel="website")
    db.session.refresh(quitclaim)
    assert quitclaim.status == "withdrawn" and quitclaim.biometric_withdrawn_at is not None
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == tagged_barack.person.id, Face.template_ciphertext.is_not(None))) == 0


def test_templates_come_back_when_the_policy_returns_to_all(
    app: Flask, db: Any, upload: Any, make_staff: Any
):
    admin = make_staff("admin")
    upload("two_people.jpg")
    policy_settings.set_template_policy("off", actor=admin)
    policy_settings.set_template_policy("all", actor=admin, legal_basis="Art. 9(2)(g) with a law",
                                 dpia_reference="DPIA-7", dpia_version_id=positive_dpia_version())
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.template_ciphertext.is_not(None))) == 2


def test_refusing_after_acting_sends_a_new_answer(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any, upload: Any
):
    upload("obama.jpg")
    officer = make_staff("privacy_officer")
    submit_request(client, type_="objection", details="Gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    locate.start(subject_request.id, actor=officer)  # no scope: finds nothing
    run_jobs()
    objection_scope.confirm(subject_request.id, ["all"], actor=officer)
    actions.perform(subject_request.id, actor=officer, decision="restricted first")
    run_jobs()
    db.session.refresh(subject_request)
    first = subject_request.response_pdf_sha256
    casework.refuse(subject_request.id, "Compelling legitimate grounds.", actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    assert subject_request.response_pdf_sha256 not in (None, first)
    from pypdf import PdfReader

    text = PdfReader(instance_dir() / subject_request.response_pdf_path).pages[0].extract_text()
    assert "Compelling legitimate grounds." in text


def test_a_second_search_under_consented_only_finishes(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any, upload: Any
):
    app.config["FACE_TEMPLATE_POLICY"] = "consented-only"
    app.config["SEARCH_CHUNK_ASSETS"] = 1
    upload("obama.jpg", "biden.jpg")
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="The requester could not say where", actor=officer)
    approve_wider_scope(subject_request.id)
    for _ in range(2):
        locate.start(subject_request.id, actor=officer)
        run_jobs()
        db.session.refresh(subject_request)
        assert subject_request.search_status == "done"
        assert subject_request.search_chunks_done == subject_request.search_chunks_total == 2


def test_linking_an_unknown_person_or_staff_member_is_a_clear_error(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    submit_request(client, type_="access", details="Gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    logged_in("privacy_officer")
    token = csrf_token_from(client.get(f"/admin/requests/{subject_request.id}")
                            .get_data(as_text=True))
    for action, data in (("link-person", {"person": "Nobody (#999999)"}),
                         ("assign", {"assignee": "999999"})):
        response = client.post(f"/admin/requests/{subject_request.id}/{action}",
                               data={"csrf_token": token, **data}, follow_redirects=True)
        assert response.status_code == 200
        assert "No such" in response.get_data(as_text=True)
    assert db.session.get(SubjectRequest, subject_request.id).person_id is None


def test_a_signature_claiming_a_huge_canvas_is_refused_not_a_500(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    black = flat_png(30000, 30000, 1, 0, bytes(30000 // 8))  # 900 MP, 1 bit each, in 115 KB
    bomb = "data:image/png;base64," + base64.b64encode(black).decode()
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    response = sign(client, path, channels=["website"], signature=bomb)
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)


def test_an_erased_face_is_not_shown_even_as_a_crop(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any, logged_in: Any,
):
    (asset_id,) = upload("obama.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)).one()
    tagging.tag_new_person(face.id, "Barack", actor=librarian)
    db.session.get(Person, face.person_id).email = "barack@example.org"  # the requester
    db.session.commit()
    officer = make_staff("privacy_officer")
    submit_request(client, type_="erasure", details="Gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    locate.link_person(subject_request.id, face.person_id, actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    for match, _face, _asset in locate.candidates(subject_request.id):
        locate.decide(match.id, "confirmed", actor=officer)
    actions.perform(subject_request.id, actor=officer)
    logged_in("viewer")
    crop = client.get(f"/admin/faces/{face.id}/crop.jpg")
    with Image.open(io.BytesIO(crop.data)) as image:
        assert engine.detect(np.asarray(image.convert("RGB").resize((480, 480)))) == []


def test_a_refused_invitation_leaves_no_new_person(app: Flask, client: FlaskClient, db: Any,
                                                   logged_in: Any):
    logged_in("librarian")
    page = client.get("/admin/quitclaims/invite")
    response = client.post("/admin/quitclaims/invite", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "new_name": "Nobody Photographed", "new_email": "n@example.org",
        "asset_mode": "selected", "channels": ["website"], "validity_years": "5",
        "language": "nl"})
    assert response.status_code == 400
    assert "Choose at least one photo" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "person.created")) == 0


