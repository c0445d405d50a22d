"""Full request flows on real photos, under template policies `all` and `consented-only`."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from likeness.dsr import actions, casework, links, locate, objection_scope, scope
from likeness.faces import engine
from likeness.library import catalogue, policy_settings, tagging
from likeness.models import AuditEvent, Face, Match, Person, SubjectRequest
from likeness.platform.storage import instance_dir
from tests.support.helpers import run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    faces_by_file,
    latest_request,
    record_identity_check,
    send_answer,
    submit_request,
    verify_by_email,
)

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

# Headed in words, each with its article after it.
HEADINGS = ["Purposes of the processing (Art. 15(1)(a))",
            "Categories of personal data (Art. 15(1)(b))", "Recipients (Art. 15(1)(c))",
            "Retention period (Art. 15(1)(d))", "Your rights (Art. 15(1)(e))",
            "Right to complain (Art. 15(1)(f))", "Source of the data (Art. 15(1)(g))",
            "Automated processing (Art. 15(1)(h))"]


@pytest.fixture(params=["all", "consented-only"])
def policy(request: Any, app: Flask) -> str:
    if request.param == "all":
        request.getfixturevalue("policy_all")
    else:
        app.config["SEARCH_CHUNK_ASSETS"] = 2  # five photos: three chunk jobs
    return request.param


def _located(client: FlaskClient, mailbox: Any, db: Any, officer: Any, type_: str,
             selfie: str = "obama2.jpg") -> SubjectRequest:
    submit_request(client, type_=type_, selfie=selfie)
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    # The requester named no event: the privacy officer scans the whole (small) library.
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="The requester named no event or date",
                    actor=officer)
    approve_wider_scope(subject_request.id)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    assert subject_request.search_status == "done"
    return subject_request


def _candidate_faces(db: Any, request_id: int) -> set[int]:
    return set(db.session.scalars(select(Match.face_id).where(Match.request_id == request_id)))


def test_access_request_finds_him_staff_confirm_and_the_answer_is_complete(
    app: Flask, policy: str, client: FlaskClient, db: Any, mailbox: Any,
    library: dict[str, int], make_staff: Any,
):
    faces = faces_by_file(db, library)
    officer = make_staff("privacy_officer")
    subject_request = _located(client, mailbox, db, officer, "access")

    expected = {faces["obama.jpg"][0].id, faces["obama3.jpg"][0].id,
                faces["obama_small.jpg"][0].id, faces["two_people.jpg"][0].id}
    assert _candidate_faces(db, subject_request.id) == expected  # not Biden, twice
    if policy == "consented-only":
        chunks = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "request.search_chunk_done"))
        assert chunks == subject_request.search_chunks_total == 3
        assert db.session.scalar(select(func.count()).select_from(Face).where(
            Face.template_ciphertext.is_not(None))) == 0  # nothing was kept

    # Nothing happens on unconfirmed matches.
    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    text = _pdf_text(subject_request)
    assert "0 found" in text

    # Start again properly: a new request, confirmed matches.
    subject_request = _located(client, mailbox, db, officer, "access")
    for match in db.session.scalars(select(Match).where(Match.request_id == subject_request.id)):
        locate.decide(match.id, "confirmed", actor=officer)
    record_identity_check(subject_request.id, officer)  # his faces are tagged to nobody
    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    text = _pdf_text(subject_request)
    for heading in HEADINGS:
        assert heading in text, heading
    assert "4 found" in text
    answer_pdf = PdfReader(instance_dir() / subject_request.response_pdf_path)
    shown = {image.data for page in answer_pdf.pages for image in page.images}
    assert len(shown) == 4  # each of the four photos is in the PDF

    archive = zipfile.ZipFile(instance_dir() / subject_request.export_zip_path)
    import json

    data = json.loads(archive.read("data.json"))
    group = next(p["file"] for p in data["photos"] if p["original_filename"] == "two_people.jpg")
    with Image.open(io.BytesIO(archive.read(group))) as copy:
        found = engine.detect(np.asarray(copy.convert("RGB")))
    assert len(found) == 1  # Biden is blurred in Barack's copy

    # Staff review the draft and send it; then the person downloads both.
    base = "/request/status/" + links.status_token(subject_request)
    assert client.get(base + "/response.pdf").status_code == 404  # a draft is not theirs yet
    send_answer(subject_request.id, officer)
    status = client.get(links.status_url(subject_request).split("5000", 1)[1])
    assert status.status_code == 200 and "answered" in status.get_data(as_text=True)
    assert client.get(base + "/response.pdf").data.startswith(b"%PDF")
    assert client.get(base + "/export.zip").data.startswith(b"PK")


def _pdf_text(subject_request: SubjectRequest) -> str:
    pdf = PdfReader(instance_dir() / subject_request.response_pdf_path)
    return " ".join(page.extract_text() for page in pdf.pages)


def test_erasure_twice_ends_as_once_and_he_is_never_suggested_again(
    app: Flask, policy: str, client: FlaskClient, db: Any, mailbox: Any,
    library: dict[str, int], make_staff: Any, upload: Any, librarian: Any,
):
    faces = faces_by_file(db, library)
    officer = make_staff("privacy_officer")
    tagging.tag_new_person(faces["obama.jpg"][0].id, "Barack Obama", actor=librarian)
    person_id = db.session.get(Face, faces["obama.jpg"][0].id).person_id
    db.session.get(Person, person_id).email = "barack@example.org"  # the requester's address
    db.session.commit()
    subject_request = _located(client, mailbox, db, officer, "erasure")
    locate.link_person(subject_request.id, person_id, actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    for match in db.session.scalars(select(Match).where(Match.request_id == subject_request.id)):
        locate.decide(match.id, "confirmed", actor=officer, erasure_choice="blur")
    record_identity_check(subject_request.id, officer)

    kept = "The 2026 annual report print run is kept for the public archive (Art. 17(3)(d))."
    actions.perform(subject_request.id, actor=officer, decision=kept)
    state_once = _erasure_state(db, person_id)
    actions.perform(subject_request.id, actor=officer, decision=kept)
    assert _erasure_state(db, person_id) == state_once
    run_jobs()

    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == person_id)) == 0
    for name in ("obama.jpg", "obama3.jpg", "obama_small.jpg"):
        face = db.session.get(Face, faces[name][0].id)
        assert face.template_ciphertext is None and face.is_always_blurred
    assert db.session.get(Person, person_id).is_suppressed
    text = _pdf_text(db.session.get(SubjectRequest, subject_request.id))
    assert "faces untagged and blurred in every copy" in text
    assert "Added to the suppression list" in text
    assert "What we kept, and why" in text and "public archive" in text

    # A new photo of him is not suggested as anyone.
    (new_asset,) = upload("obama2.jpg")
    new_face = db.session.scalars(select(Face).where(Face.asset_id == new_asset)).one()
    assert tagging.suggest([new_face.id], actor=librarian) == {}


def _erasure_state(db: Any, person_id: int) -> tuple:
    db.session.expire_all()
    faces = db.session.execute(select(Face.id, Face.person_id, Face.template_ciphertext.is_(None),
                                      Face.is_always_blurred).order_by(Face.id)).all()
    return (tuple(faces), db.session.get(Person, person_id).is_suppressed)


def test_closing_deletes_the_selfie_file_and_its_template(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request = _located(client, mailbox, db, officer, "access")
    selfie = instance_dir() / subject_request.selfie_path
    assert selfie.exists() and subject_request.selfie_template_ciphertext is not None
    casework.close(subject_request.id, actor=officer)
    db.session.refresh(subject_request)
    assert not selfie.exists()
    assert subject_request.selfie_path is None
    assert subject_request.selfie_template_ciphertext is None
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.selfie_deleted")).one()


def test_objection_restricts_the_confirmed_photos_at_once(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    subject_request = _located(client, mailbox, db, officer, "objection")
    first = db.session.scalars(select(Match).where(Match.request_id == subject_request.id)
                               .order_by(Match.distance)).first()
    locate.decide(first.id, "confirmed", actor=officer)
    record_identity_check(subject_request.id, officer)
    objection_scope.confirm(subject_request.id, ["all"], actor=officer)
    actions.perform(subject_request.id, actor=officer, decision="Use stops.")
    face = db.session.get(Face, first.face_id)
    assert library_asset(face.asset_id).is_restricted
    others = [a for a in library.values() if a != face.asset_id]
    assert not any(library_asset(a).is_restricted for a in others)


def library_asset(asset_id: int) -> Any:

    return catalogue.get(asset_id)


def test_policy_off_refuses_a_search_without_a_linked_person(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    from likeness.errors import InvalidInput

    officer = make_staff("privacy_officer")
    policy_settings.set_template_policy("off", actor=officer)
    submit_request(client, type_="access", details="Gala")
    verify_by_email(client, mailbox)
    with pytest.raises(InvalidInput, match="switched off"):
        locate.start(latest_request(db).id, actor=officer)


