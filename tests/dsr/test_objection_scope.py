"""An objection does only what it covers (Art. 21): the person says what they object to,
an officer confirms it, and the case page shows one next step at a time."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.dsr import actions, objection, objection_scope
from likeness.errors import InvalidInput
from likeness.models import Asset, AuditEvent, Person, QuitclaimStatus, SubjectRequest
from likeness.platform.storage import instance_dir
from tests.cockpit import factories
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import (
    carry_out_for_person,
    latest_request,
    submit_request,
    verify_by_email,
)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_request_form_asks_what_the_objection_covers(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any
):
    refused = submit_request(client, type_="objection", details="The gala",
                             objection_scope=[])
    assert refused.status_code == 400
    assert "Say what your objection is about." in refused.get_data(as_text=True)
    assert db.session.scalar(select(SubjectRequest.id)) is None
    bogus = submit_request(client, type_="objection", details="The gala",
                           objection_scope=["channel:billboards"])
    assert bogus.status_code == 400
    filed = submit_request(client, type_="objection", details="The gala",
                           objection_scope=["face_recognition", "channel:website"])
    assert filed.status_code == 200
    stored = latest_request(db)
    assert stored.objection_scope == ["face_recognition", "channel:website"]
    assert stored.objection_scope_confirmed_at is None  # an officer confirms it
    status = _text(client.get(verify_by_email(client, mailbox)).get_data(as_text=True))
    assert "You object to: Face recognition: finding me in photos by my face" in status
    assert "Use of my photos on this channel: Website We stop only this." in status


def test_an_objection_to_one_channel_and_face_recognition_stops_only_those(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    make_staff: Any,
):
    officer = make_staff("privacy_officer")
    barack = tagged_barack.person
    photo = db.session.get(Asset, tagged_barack.obama_asset)
    quitclaim = factories.quitclaim(db, barack, [photo], valid_until=date(2030, 1, 1),
                                    channels=("website", "print"))
    quitclaim.biometric_consent = True
    db.session.commit()
    submit_request(client, type_="objection", details="The gala",
                   objection_scope=["channel:website", "face_recognition"])
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    with pytest.raises(InvalidInput, match="Confirm what the objection covers"):
        carry_out_for_person(subject_request.id, barack.id, officer)
    objection_scope.confirm(subject_request.id, ["channel:website", "face_recognition"],
                            actor=officer)
    actions.perform(subject_request.id, actor=officer)

    db.session.refresh(quitclaim)
    channels = {c.channel: c.withdrawn_at for c in quitclaim.channels}
    assert channels["website"] is not None and channels["print"] is None
    assert quitclaim.status == QuitclaimStatus.SIGNED  # print is still allowed
    assert quitclaim.biometric_withdrawn_at is not None
    assert db.session.get(Person, barack.id).no_biometrics_at is not None
    assert not db.session.get(Asset, photo.id).is_restricted  # the rest goes on
    with pytest.raises(InvalidInput, match="needs no decision"):
        objection.decide(subject_request.id, upheld=False, grounds="x", actor=officer)
    run_jobs()
    db.session.refresh(subject_request)
    text = " ".join(PdfReader(instance_dir() / subject_request.response_pdf_path).pages[0]
                    .extract_text().split())
    text += " ".join(" ".join(p.extract_text().split()) for p in PdfReader(
        instance_dir() / subject_request.response_pdf_path).pages[1:])
    assert "What you objected to" in text
    assert "Your photos are no longer used on: Website." in text
    assert "Face recognition stopped" in text
    assert "We uphold your objection" not in text and "restricted" not in text
    scope_event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.objection_scope_confirmed")).one()
    assert scope_event.details == {"scope": ["face_recognition", "channel:website"],
                                   "changed": False}


def test_the_case_page_shows_one_next_step_at_a_time(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    logged_in: Any,
):
    officer = logged_in("privacy_officer")
    submit_request(client, type_="objection", details="The gala",
                   objection_scope=["channel:social_media"])
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    page_url = f"/admin/requests/{subject_request.id}"

    first = client.get(page_url).get_data(as_text=True)
    step = _text(first[first.index('class="card objection-step"'):])
    assert "Use of my photos on this channel: Social media" in step
    assert "Next step: confirm what the objection covers" in step
    assert "Carry out and prepare the answer" not in _text(first)
    assert "Decide and prepare the answer" not in _text(first)

    # The officer corrects the scope to what the person said in their message.
    response = client.post(f"{page_url}/objection-scope", data={
        "csrf_token": csrf_token_from(first), "scope": ["all"]})
    assert response.status_code == 302
    db.session.refresh(subject_request)
    assert subject_request.objection_scope == ["all"]
    assert subject_request.objection_scope_confirmed_by_id == officer.id
    second = _text(client.get(page_url).get_data(as_text=True))
    assert "Next step: carry out what it covers" in second
    assert "Next step: confirm" not in second and "Decide and prepare" not in second
    assert "Confirm the scope" not in second

    empty = client.post(f"{page_url}/objection-scope", data={
        "csrf_token": csrf_token_from(first), "scope": []}, follow_redirects=True)
    assert "Say what your objection is about." in empty.get_data(as_text=True)

    carry_out_for_person(subject_request.id, tagged_barack.person.id, officer)
    third = _text(client.get(page_url).get_data(as_text=True))
    assert "Next step: decide the objection" in third
    assert "Carry out and prepare the answer" not in third
    with pytest.raises(InvalidInput, match="already carried out"):
        objection_scope.confirm(subject_request.id, ["face_recognition"], actor=officer)
