"""Which faces to blur when a photo is shown to, or about, one person."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from likeness.extensions import db
from likeness.faces.engine import Box
from likeness.models import Face


def everyone_but(asset_id: int, person_id: int | None = None, *,
                 face_id: int | None = None, own_face_ids: Iterable[int] = ()) -> list[Box]:
    """Every face on the asset that is not this person's: not tagged to them, not `face_id`
    and not one of `own_face_ids` (faces confirmed as theirs for a request). Others' data
    is not ours to show; theirs is never blurred in their own copy."""
    own = set(own_face_ids) | ({face_id} if face_id is not None else set())
    query = select(Face).where(Face.asset_id == asset_id, Face.is_not_a_face.is_(False))
    if person_id is not None:
        query = query.where((Face.person_id != person_id) | Face.person_id.is_(None))
    return [Box(*f.box) for f in db.session.scalars(query) if f.id not in own]

