"""The legal-hold API the erasure and deletion code calls."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.cockpit import holds
from likeness.errors import InvalidInput
from likeness.models import AuditEvent
from tests.cockpit import factories


def test_a_photo_is_held_by_its_own_hold_its_collection_or_a_person_on_it(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    single, in_archive, with_person, free = (factories.asset(db), factories.asset(db, "Archive"),
                                              factories.asset(db, faces=2), factories.asset(db))
    mayor = factories.person(db, "The Mayor")
    factories.tag(db, with_person.faces[1], mayor)
    on_photo = holds.place("asset", str(single.id), "Archiefwet 1995, art. 3", actor=officer)
    on_collection = holds.place("collection", "Archive", "Archiefwet", actor=officer)
    on_person = holds.place("person", str(mayor.id), "Pending court case", actor=officer)

    assert holds.blocking_asset(single.id) == on_photo
    assert holds.blocking_asset(in_archive.id) == on_collection
    assert holds.blocking_asset(with_person.id) == on_person
    assert holds.blocking_person(mayor.id) == on_person
    assert holds.blocking_asset(free.id) is None
    assert holds.held_asset_ids() == {single.id, in_archive.id, with_person.id}
    assert "Art. 17(3)(b)" in holds.exception_text(on_photo)
    assert "Archiefwet 1995, art. 3" in holds.exception_text(on_photo)

    holds.release(on_photo.id, "Transferred to the regional archive", actor=officer)
    assert holds.blocking_asset(single.id) is None
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert actions.count("hold.placed") == 3 and actions.count("hold.released") == 1


@pytest.mark.parametrize(("scope", "target", "reason", "message"), [
    ("asset", "999999", "reason", "no photo"),
    ("asset", "abc", "reason", "no photo"),
    ("person", "999999", "reason", "no person"),
    ("collection", "Nowhere", "reason", "no collection"),
    ("asset", "1", "  ", "needs its reason"),
    ("planet", "1", "reason", "Choose what"),
])
def test_a_hold_on_nothing_is_refused_with_a_clear_message(
    app: Flask, db: Any, make_staff: Any, scope: str, target: str, reason: str, message: str
):
    factories.asset(db)
    with pytest.raises(InvalidInput, match=message):
        holds.place(scope, target, reason, actor=make_staff("privacy_officer"))
