from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.library import people, tagging
from likeness.models import Face, Person

# These tests are about the index and suggestions: every face holds a template.
pytestmark = pytest.mark.usefixtures("policy_all")


def test_merge_moves_faces_and_removes_the_duplicate(app: Flask, db: Any, upload: Any,
                                                     librarian: Any):
    a, b = upload("obama.jpg", "obama2.jpg")
    face_a = db.session.scalars(select(Face).where(Face.asset_id == a)).one()
    face_b = db.session.scalars(select(Face).where(Face.asset_id == b)).one()
    tagging.tag_new_person(face_a.id, "Barack Obama", actor=librarian)
    tagging.tag_new_person(face_b.id, "B. Obama", actor=librarian)
    source, target = face_b.person_id, face_a.person_id
    people.merge(source, target, actor=librarian)
    assert db.session.get(Person, source) is None
    assert {f.id for f, _ in people.faces_of(target)} == {face_a.id, face_b.id}


def test_delete_person_untags_but_keeps_templates(app: Flask, db: Any, upload: Any,
                                                  librarian: Any):
    (a,) = upload("obama.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == a)).one()
    tagging.tag_new_person(face.id, "Barack", actor=librarian)
    person_id = face.person_id
    assert people.delete(person_id, actor=librarian) == 1
    db.session.refresh(face)
    assert face.person_id is None
    assert face.template_ciphertext is not None


def test_suppressed_person_cannot_be_tagged(app: Flask, db: Any, upload: Any, librarian: Any):
    import pytest

    from likeness.errors import InvalidInput

    (a,) = upload("obama.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == a)).one()
    person = people.create("Erased", actor=librarian)
    person.is_suppressed = True
    db.session.commit()
    with pytest.raises(InvalidInput, match="asked for erasure"):
        tagging.tag(face.id, person.id, actor=librarian)


def test_rename_and_search_by_name(app: Flask, db: Any, librarian: Any):
    person = people.create("Jan Jansen", actor=librarian)
    people.rename(person.id, "Jan de Vries", actor=librarian)
    assert [p.name for p, _ in people.list_people("vries")] == ["Jan de Vries"]
    assert people.list_people("jansen") == []
