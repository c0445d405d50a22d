"""Which faces to blur when a photo is shown to, or about, one person."""

from __future__ import annotations

from sqlalchemy import select

from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.models import Face


def everyone_but(asset_id: int, person_id: int) -> list[Box]:
    """Every face on the asset that is not this person's: others' data is not ours to show."""
    faces = db.session.scalars(
        select(Face).where(Face.asset_id == asset_id, Face.is_not_a_face.is_(False),
                           (Face.person_id != person_id) | Face.person_id.is_(None))
    ).all()
    return [Box(*f.box) for f in faces]


def everyone_but_face(asset_id: int, face_id: int) -> list[Box]:
    """Every face on the asset except one (the person is known by this face only)."""
    faces = db.session.scalars(
        select(Face).where(Face.asset_id == asset_id, Face.is_not_a_face.is_(False),
                           Face.id != face_id)
    ).all()
    return [Box(*f.box) for f in faces]
