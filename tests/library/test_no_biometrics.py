"""A person's "no biometrics" choice wins under every template policy."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.consent import withdrawal
from likeness.library import face_templates, people, policy_settings, tagging
from likeness.models import Face, Person, Quitclaim, TemplatePolicy
from likeness.platform.actor import CLI, person_actor
from tests.support.helpers import csrf_token_from, positive_dpia_version, run_jobs
from tests.support.scenarios import invite_and_open, sign


def _templates_of(db: Any, person_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Face).where(
        Face.person_id == person_id, Face.template_ciphertext.is_not(None)))


def _policy(policy: str) -> None:
    policy_settings.set_template_policy(policy, actor=CLI, legal_basis="Test basis",
                                 dpia_reference="DPIA-T",
                                 dpia_version_id=(positive_dpia_version() if policy == "all"
                                                  else None))


@pytest.mark.parametrize("policy", [p.value for p in TemplatePolicy])
def test_withdrawn_biometric_consent_stays_withdrawn_when_another_face_is_tagged(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, upload: Any, policy: str,
):
    person_id = tagged_barack.person.id
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"], face_recognition="allow").status_code == 302
    run_jobs()
    assert _templates_of(db, person_id) == 2  # his two tagged faces, by his consent
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    withdrawal.withdraw(quitclaim.id, actor=person_actor(person_id), biometric_only=True)
    assert _templates_of(db, person_id) == 0
    assert db.session.get(Person, person_id).refuses_biometrics

    _policy(policy)
    run_jobs()
    (third,) = upload("obama3.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == third)).one()
    tagging.tag(face.id, person_id, actor=librarian)
    run_jobs()
    assert _templates_of(db, person_id) == 0
    face_templates.enforce_template_policy()
    assert _templates_of(db, person_id) == 0
    if policy == "all":  # other people still get theirs under `all`
        assert db.session.scalar(select(func.count()).select_from(Face).where(
            Face.template_ciphertext.is_not(None))) == 1  # Biden in two_people.jpg


def test_refusing_face_recognition_when_signing_is_honoured_under_all(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, policy_all: None,
):
    person_id = tagged_barack.person.id
    run_jobs()
    assert _templates_of(db, person_id) == 2  # policy `all`: everyone has one
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    both = sign(client, path, channels=["website"], face_recognition="both")
    assert both.status_code == 400 and "Choose whether we may use face recognition" in \
        both.get_data(as_text=True)
    assert sign(client, path, channels=["website"], face_recognition="never").status_code == 302
    run_jobs()
    assert _templates_of(db, person_id) == 0
    face_templates.enforce_template_policy()
    assert _templates_of(db, person_id) == 0


def test_staff_record_the_choice_on_the_person_page_and_consent_lifts_it(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, policy_all: None, logged_in: Any,
):
    person_id = tagged_barack.person.id
    run_jobs()
    logged_in("librarian")
    page = client.get(f"/admin/people/{person_id}").get_data(as_text=True)
    response = client.post(f"/admin/people/{person_id}/no-biometrics", data={
        "csrf_token": csrf_token_from(page), "reason": "asked by phone on 3 May"},
        follow_redirects=True)
    assert "No face recognition: this person's choice" in response.get_data(as_text=True)
    assert _templates_of(db, person_id) == 0
    # He consents again when signing: the choice ends and his templates come back.
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"], face_recognition="allow").status_code == 302
    run_jobs()
    assert not db.session.get(Person, person_id).refuses_biometrics
    assert _templates_of(db, person_id) == 2


def test_merging_a_person_who_refused_carries_the_choice(
    app: Flask, db: Any, upload: Any, librarian: Any, policy_all: None
):
    obama, obama2 = upload("obama.jpg", "obama2.jpg")
    first = db.session.scalars(select(Face).where(Face.asset_id == obama)).one()
    second = db.session.scalars(select(Face).where(Face.asset_id == obama2)).one()
    tagging.tag_new_person(first.id, "Barack", actor=librarian)
    tagging.tag_new_person(second.id, "B. Obama", actor=librarian)
    refusing, other = first.person_id, second.person_id
    people.set_no_biometrics(refusing, reason="asked in writing", actor=librarian)
    merged = people.merge(refusing, other, actor=librarian)
    assert merged.refuses_biometrics
    assert _templates_of(db, merged.id) == 0
