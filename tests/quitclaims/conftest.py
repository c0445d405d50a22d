from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.library import tagging
from likeness.models import Face, Person
from tests.scenarios import Scenario


@pytest.fixture
def tagged_barack(app: Flask, db: Any, upload: Any, librarian: Any) -> Scenario:
    """obama.jpg and two_people.jpg indexed; the obama faces tagged to Barack."""
    obama, group = upload("obama.jpg", "two_people.jpg")
    faces = {a: db.session.scalars(select(Face).where(Face.asset_id == a)
                                   .order_by(Face.left)).all() for a in (obama, group)}
    tagging.tag_new_person(faces[obama][0].id, "Barack Obama", actor=librarian)
    person = db.session.get(Person, faces[obama][0].person_id)
    person.email = "barack@example.org"
    person.date_of_birth = date(1961, 8, 4)
    db.session.commit()
    tagging.tag(faces[group][0].id, person.id, actor=librarian)
    return Scenario(person, obama, group)
