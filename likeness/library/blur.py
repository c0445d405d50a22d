"""Which faces to blur when a photo is shown to, or about, one person."""

from __future__ import annotations

from sqlalchemy import select

from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.models import Face


def everyone_but(asset_id: int, person_id: int | None = None, *,
                 face_id: int | None = None) -> list[Box]:
    """Every face on the asset that is not this person's (or not this one face, when the
    person is known by that face only): others' data is not ours to show."""
    query = select(Face).where(Face.asset_id == asset_id, Face.is_not_a_face.is_(False))
    if person_id is not None:
        query = query.where((Face.person_id != person_id) | Face.person_id.is_(None))
    if face_id is not None:
        query = query.where(Face.id != face_id)
    return [Box(*f.box) for f in db.session.scalars(query)]
