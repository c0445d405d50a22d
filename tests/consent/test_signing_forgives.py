"""The signing page forgives like the request form (issue 27, rough spots): switching the
language keeps what was typed and ticked, including the faces marked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import invitations
from likeness.library import people
from likeness.models import Face, Person, Quitclaim
from tests.support.helpers import csrf_token_from
from tests.support.scenarios import sign

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def test_a_language_switch_keeps_the_name_the_channels_and_the_marks(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    (group,) = upload("two_people.jpg")
    barack = people.create("Barack Obama", actor=librarian, email="barack@example.org")
    invitation = invitations.invite(barack.id, [group], ["website", "print"], language="en",
                                    actor=librarian)
    path = f"/quitclaim/sign/{invitations.invitation_token(invitation)}"
    face = db.session.scalars(select(Face).where(Face.asset_id == group)).first()
    page = client.get(path).get_data(as_text=True)
    assert 'form="sign-form"' in page  # the switcher sends this form along

    switched = client.post(f"/lang/nl?next={path}", data={
        "csrf_token": csrf_token_from(page), "signer_name": "Barack Obama",
        "channels": ["print"], "my_faces": [str(face.id)], "signature_kind": "typed"},
        follow_redirects=True)
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and '<html lang="nl"' in html
    assert 'value="Barack Obama"' in html
    assert '<input checked id="channels-1" name="channels" type="checkbox" value="print">' \
        in html
    assert '<input id="channels-0" name="channels" type="checkbox" value="website">' in html
    assert f'value="{face.id}" id="my-face-{face.id}" checked' in html
    # Kept once: a plain reload shows the empty form again.
    assert 'value="Barack Obama"' not in client.get(path).get_data(as_text=True)


def _invite(db: Any, upload: Any, librarian: Any) -> tuple[str, int]:
    """A signing link for an adult; returns its path and the person's id."""
    (photo,) = upload("obama.jpg")
    barack = people.create("Barack Obama", actor=librarian, email="barack@example.org")
    barack.date_of_birth = date(1961, 8, 4)  # an adult: no date of birth asked
    invitation = invitations.invite(barack.id, [photo], ["website", "print"], language="en",
                                    actor=librarian)
    return f"/quitclaim/sign/{invitations.invitation_token(invitation)}", barack.id


def test_face_recognition_is_one_radio_group_with_nothing_chosen_and_no_aria_required(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    path, _ = _invite(db, upload, librarian)
    html = client.get(path).get_data(as_text=True)
    group = html[html.index('id="face_recognition-group"'):]
    group = group[:group.index("</fieldset>")]
    assert "<legend>Face recognition (a separate choice)" in group
    assert '<span class="required" aria-hidden="true">*</span></legend>' in group
    assert '<input id="face_recognition-0" name="face_recognition" type="radio" ' \
        'value="allow">' in group
    assert '<input id="face_recognition-1" name="face_recognition" type="radio" ' \
        'value="never">' in group
    assert "Allow face recognition on photos of me" in group
    assert "Never use face recognition on photos of me" in group
    assert "aria-required" not in group and 'type="checkbox"' not in group


def test_allowing_face_recognition_records_biometric_consent(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    path, person_id = _invite(db, upload, librarian)
    assert sign(client, path, channels=["website"], face_recognition="allow").status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.biometric_consent and quitclaim.biometric_withdrawn_at is None
    assert db.session.get(Person, person_id).no_biometrics_at is None


def test_never_using_face_recognition_records_the_refusal_on_the_person(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    path, person_id = _invite(db, upload, librarian)
    assert sign(client, path, channels=["website"], face_recognition="never").status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert not quitclaim.biometric_consent
    person = db.session.get(Person, person_id)
    assert person.no_biometrics_at is not None
    assert person.no_biometrics_reason == "refused when signing"


def test_no_choice_is_reported_with_the_other_errors_and_nothing_is_saved(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    path, person_id = _invite(db, upload, librarian)
    response = sign(client, path, face_recognition="")  # and no channel ticked either
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = html[html.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    message = "Choose whether we may use face recognition on photos of you."
    assert f'<a href="#face_recognition-0">{message}</a>' in summary
    channel = "Tick at least one channel where the photos may be used."
    assert f'<a href="#channels-0">{channel}</a>' in summary
    assert f'<p class="field-error" id="face_recognition-error"><span>{message}</span>' in html
    assert 'aria-describedby="face_recognition-hint face_recognition-error"' in html
    assert db.session.scalars(select(Quitclaim)).all() == []
    assert db.session.get(Person, person_id).no_biometrics_at is None
    # The link still works: nothing was signed.
    assert client.get(path).status_code == 200


def test_the_choice_survives_an_error_and_a_language_switch(
    app: Flask, client: FlaskClient, db: Any, upload: Any, librarian: Any,
):
    path, _ = _invite(db, upload, librarian)
    chosen = '<input checked id="face_recognition-1" name="face_recognition" type="radio" ' \
        'value="never">'
    # Back with an error (no name): the choice is still made.
    again = sign(client, path, channels=["website"], signer_name="", face_recognition="never")
    assert again.status_code == 400 and chosen in again.get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    switched = client.post(f"/lang/nl?next={path}", data={
        "csrf_token": csrf_token_from(page), "channels": ["website"],
        "face_recognition": "never"}, follow_redirects=True)
    html = switched.get_data(as_text=True)
    assert switched.status_code == 200 and '<html lang="nl"' in html
    assert chosen in html
    assert "Gebruik nooit gezichtsherkenning op foto&#39;s van mij" in html \
        or "Gebruik nooit gezichtsherkenning op foto's van mij" in html
