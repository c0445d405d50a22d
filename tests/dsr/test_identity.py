"""Answers reach only the data subject: a selfie is a search aid, never proof of identity."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.dsr import actions, casework, identity, links, locate, scope
from likeness.errors import InvalidInput
from likeness.library import tagging
from likeness.models import Face, Person, SubjectRequest
from likeness.platform.storage import instance_dir
from tests.support.helpers import csrf_token_from, link_in, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    send_answer,
    submit_request,
    verify_by_email,
)


def _tag(db: Any, asset_id: int, name: str, email: str, librarian: Any) -> Person:
    face = db.session.scalars(select(Face).where(Face.asset_id == asset_id)
                              .order_by(Face.left)).first()
    tagging.tag_new_person(face.id, name, actor=librarian)
    person = db.session.get(Person, face.person_id)
    person.email = email
    db.session.commit()
    return person


def _searched(db: Any, officer: Any, *, tagged_only: bool = False) -> SubjectRequest:
    """Search the whole library and confirm the candidates (`tagged_only`: only those
    tagged to someone; the others are rejected)."""
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="Nothing named", actor=officer)
    approve_wider_scope(subject_request.id)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    for match, face, _asset in locate.candidates(subject_request.id):
        keep = face.person_id is not None or not tagged_only
        locate.decide(match.id, "confirmed" if keep else "rejected", actor=officer)
    return subject_request


def _text_of_everything_sent_to(mailbox: Any, address: str) -> str:
    parts = []
    for message in mailbox.to(address):
        parts.append(message["Subject"])
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if payload:
                parts.append(payload.decode(errors="replace"))
    return "\n".join(parts)


def test_an_impostor_with_a_strangers_photo_learns_nothing_about_the_stranger(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any,
):
    biden, _group = upload("biden.jpg", "two_people.jpg")
    stranger = _tag(db, biden, "Joseph Biden", "joe@example.org", librarian)
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="biden.jpg", name="Mallory",
                   email="mallory@example.org")
    verify_by_email(client, mailbox, "mallory@example.org")
    subject_request = _searched(db, officer)
    assert locate.confirmed(subject_request.id)  # the photo does match the stranger
    locate.link_person(subject_request.id, stranger.id, actor=officer)

    with pytest.raises(InvalidInput, match="address on file differs"):
        actions.perform(subject_request.id, actor=officer)
    identity.ask_person_to_confirm(subject_request.id, actor=officer)
    run_jobs()
    (ask,) = mailbox.to("joe@example.org")
    assert "mallory" not in _text_of_everything_sent_to(mailbox, "joe@example.org").lower()
    path = link_in(ask, "/request/confirm/")
    page = client.get(path)
    client.post(path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                            "answer": "no"})
    db.session.refresh(subject_request)
    assert subject_request.person_confirmed_at is None and subject_request.identity_doubt
    with pytest.raises(InvalidInput):
        actions.perform(subject_request.id, actor=officer)
    casework.refuse(subject_request.id, "We could not establish that the request is yours.",
                    actor=officer)
    send_answer(subject_request.id, officer)

    sent = _text_of_everything_sent_to(mailbox, "mallory@example.org")
    for secret in ("Biden", "Joseph", "joe@example.org", "biden.jpg"):
        assert secret not in sent
    db.session.refresh(subject_request)
    assert subject_request.export_zip_path is None
    base = "/request/status/" + links.status_token(subject_request)
    assert client.get(base + "/export.zip").status_code == 404
    pdf = PdfReader(io.BytesIO(client.get(base + "/response.pdf").data))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "could not establish" in text
    for secret in ("Biden", "Joseph", "joe@example.org", "biden.jpg"):
        assert secret not in text
    assert not pdf.pages[0].images  # no photo, not even a thumbnail


def test_the_person_on_file_is_answered_at_once_with_their_own_details(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any,
):
    obama, _group = upload("obama.jpg", "two_people.jpg")
    person = _tag(db, obama, "Barack Obama", "barack@example.org", librarian)
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = _searched(db, officer, tagged_only=True)
    locate.link_person(subject_request.id, person.id, actor=officer)
    assert identity.established(subject_request)
    actions.perform(subject_request.id, actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    archive = zipfile.ZipFile(instance_dir() / subject_request.export_zip_path)
    data = json.loads(archive.read("data.json"))
    assert data["person"]["email"] == "barack@example.org"
    assert data["photos"]


def test_another_address_waits_until_the_person_confirms_through_the_one_on_file(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any,
):
    (obama,) = upload("obama.jpg")
    person = _tag(db, obama, "Barack Obama", "barack@example.org", librarian)
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg",
                   email="b.obama@private.example")
    verify_by_email(client, mailbox, "b.obama@private.example")
    subject_request = _searched(db, officer, tagged_only=True)
    locate.link_person(subject_request.id, person.id, actor=officer)
    with pytest.raises(InvalidInput):
        actions.perform(subject_request.id, actor=officer)
    identity.ask_person_to_confirm(subject_request.id, actor=officer)
    run_jobs()
    path = link_in(mailbox.to("barack@example.org")[-1], "/request/confirm/")
    page = client.get(path)
    answered = client.post(path, data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "answer": "yes"})
    assert "You confirmed the request" in answered.get_data(as_text=True)
    actions.perform(subject_request.id, actor=officer)
    send_answer(subject_request.id, officer)
    assert [m for m in mailbox.to("b.obama@private.example") if "answer" in m["Subject"]]


def test_a_privacy_officer_may_record_an_identity_check_instead(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, librarian: Any,
    make_staff: Any,
):
    (obama,) = upload("obama.jpg")
    person = _tag(db, obama, "Barack Obama", "barack@example.org", librarian)
    officer = make_staff("privacy_officer")
    submit_request(client, type_="erasure", selfie="obama2.jpg", email="b@private.example")
    verify_by_email(client, mailbox, "b@private.example")
    subject_request = _searched(db, officer)
    locate.link_person(subject_request.id, person.id, actor=officer)
    identity.record_identity_check(
        subject_request.id, method="video_call", outcome="confirmed",
        why="Erasure of a colleague's photos: a call is the least intrusive check",
        actor=officer)
    actions.perform(subject_request.id, actor=officer)
    assert db.session.get(Person, person.id).is_suppressed


def test_a_request_for_a_child_waits_for_the_relationship_check(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    incomplete = submit_request(client, type_="access", details="School photo 2026",
                                name="Michelle Obama", email="michelle@example.org",
                                on_behalf="child")
    assert incomplete.status_code == 400
    assert "name of the person" in incomplete.get_data(as_text=True)
    submit_request(client, type_="access", details="School photo 2026", name="Michelle Obama",
                   email="michelle@example.org", on_behalf="child", subject_name="Sasha",
                   stated_relationship="mother")
    verify_by_email(client, mailbox, "michelle@example.org")
    subject_request = latest_request(db)
    assert (subject_request.on_behalf, subject_request.subject_name) == ("child", "Sasha")
    with pytest.raises(InvalidInput, match="relationship"):
        actions.perform(subject_request.id, actor=officer)
    locate.start(subject_request.id, actor=officer)  # finds nothing: an empty library
    run_jobs()
    identity.record_relationship_check(
        subject_request.id, note="Birth certificate shown at the desk; no copy kept",
        actor=officer)
    actions.perform(subject_request.id, actor=officer)
    send_answer(subject_request.id, officer)
    assert [m for m in mailbox.to("michelle@example.org") if "answer" in m["Subject"]]
