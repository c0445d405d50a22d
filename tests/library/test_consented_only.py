"""Template policy `consented-only`: a template only with the person's biometric consent."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.library import tagging
from likeness.models import Face
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign


def _templates(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(Face).where(
        Face.template_ciphertext.is_not(None)))


def test_templates_follow_biometric_consent(app: Flask, client: FlaskClient, db: Any,
                                            mailbox: Any, librarian: Any, upload: Any):
    app.config["FACE_TEMPLATE_POLICY"] = "consented-only"
    obama, group = upload("obama.jpg", "two_people.jpg")
    assert _templates(db) == 0  # nobody tagged, nobody consented

    face = db.session.scalars(select(Face).where(Face.asset_id == obama)).one()
    tagging.tag_new_person(face.id, "Barack Obama", actor=librarian)
    run_jobs()
    assert _templates(db) == 0  # tagged, but no consent yet

    from likeness.models import Person

    person = db.session.get(Person, face.person_id)
    person.email = "barack@example.org"
    person.date_of_birth = date(1961, 8, 4)
    db.session.commit()
    from types import SimpleNamespace

    scenario = SimpleNamespace(person=person, obama_asset=obama, group_asset=group)
    path = invite_and_open(client, mailbox, scenario, librarian)
    assert sign(client, path, channels=["website"], face_recognition="allow").status_code == 302
    run_jobs()
    db.session.refresh(face)
    assert face.template_ciphertext is not None
    assert _templates(db) == 1  # his face only; Biden and the group stay without

    # A new photo tagged to him gets its template too.
    group_face = db.session.scalars(select(Face).where(Face.asset_id == group)
                                    .order_by(Face.left)).first()
    tagging.tag(group_face.id, person.id, actor=librarian)
    run_jobs()
    assert _templates(db) == 2
