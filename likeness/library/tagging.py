"""Tagging faces to people, and suggestions that staff confirm or reject.

A suggestion is only ever shown; a face is tagged when a person confirms it
(human oversight of an automated match).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _
from numpy.typing import NDArray
from sqlalchemy import select

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.faces import templates
from likeness.faces.crypto import keyring
from likeness.library import collection_settings, face_templates, people, search, suppression
from likeness.library.renditions import invalidate
from likeness.models import Face, Person, SuggestionRejection, TagSource, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import after_commit, use_case


@dataclass(frozen=True)
class Suggestion:
    face_id: int
    person_id: int
    person_name: str
    distance: float


def get_face(face_id: int) -> Face:
    face = db.session.get(Face, face_id)
    if face is None:
        raise NotFound(_("No such face."))
    return face


@use_case
def tag(
    face_id: int, person_id: int, *, actor: Actor, source: TagSource = TagSource.MANUAL
) -> Face:
    face = get_face(face_id)
    person = people.get(person_id)
    _tag(face, person, actor, source)
    return face


@use_case
def tag_new_person(face_id: int, name: str, *, actor: Actor) -> Face:
    face = get_face(face_id)
    person = people.create(name, actor=actor)
    _tag(face, person, actor, TagSource.MANUAL)
    return face


@use_case
def untag(face_id: int, *, actor: Actor) -> Face:
    face = get_face(face_id)
    previous = face.person_id
    face.person_id = None
    face.tag_source = None
    face.tagged_by_id = None
    face.tagged_at = None
    face.untagged_at = utcnow()  # retention counts untagged days from here
    audit.record("face.untagged", actor=actor, subject=f"face:{face.id}",
                 details={"person": f"person:{previous}" if previous else None})
    face_templates.enforce_template_policy.later()
    return face


@use_case
def mark_not_a_face(face_id: int, *, actor: Actor, not_a_face: bool = True) -> Face:
    """A false detection: untag it, and drop its template (it is no one's biometric data)."""
    face = get_face(face_id)
    face.is_not_a_face = not_a_face
    if not_a_face:
        face.person_id = None
        face.tag_source = None
        templates.drop([face], reason="not a face", actor=actor, subject=f"face:{face.id}")
    audit.record("face.marked_not_a_face" if not_a_face else "face.marked_a_face",
                 actor=actor, subject=f"face:{face.id}")
    if not not_a_face:
        face_templates.enforce_template_policy.later()  # a face again: a template, if policy says
    asset_id = face.asset_id
    after_commit(lambda: invalidate(asset_id))
    return face


@use_case
def suggest(face_ids: list[int], *, actor: Actor) -> dict[int, Suggestion]:
    """For each untagged face with a template: the nearest tagged person within threshold."""
    faces = [
        f for f in db.session.scalars(select(Face).where(Face.id.in_(face_ids))).all()
        if f.person_id is None and not f.is_not_a_face and f.template_ciphertext is not None
        and not f.asset.is_restricted  # a restricted photo is not used, not even for this
    ]
    if not faces:
        return {}
    ring = keyring()
    suggestions: dict[int, Suggestion] = {}
    for face in faces:
        template = ring.decrypt_face(face)
        audit.record("face.template_read", actor=actor, subject=f"face:{face.id}",
                     details={"purpose": "suggestion"})
        best = _nearest_person(face, template, actor)
        if best is not None:
            suggestions[face.id] = best
    return suggestions


def confirm_suggestion(face_id: int, person_id: int, *, actor: Actor) -> Face:
    return tag(face_id, person_id, actor=actor, source=TagSource.CONFIRMED)


@use_case
def reject_suggestion(face_id: int, person_id: int, *, actor: Actor) -> None:
    face = get_face(face_id)
    person = people.get(person_id)
    if db.session.get(SuggestionRejection, (face.id, person.id)) is None:
        db.session.add(SuggestionRejection(face_id=face.id, person_id=person.id,
                                           rejected_by_id=actor.staff_id))
    audit.record("face.suggestion_rejected", actor=actor, subject=f"face:{face.id}",
                 details={"person": person.audit_ref})


def _tag(face: Face, person: Person, actor: Actor, source: TagSource) -> None:
    if suppression.is_suppressed_person(person):
        raise InvalidInput(_("This person asked for erasure: their face may not be tagged."))
    if face.asset.is_held_as_erased:
        raise InvalidInput(_("This photo is held as a copy of an erased photo: its faces "
                             "may not be tagged until a privacy officer has checked it."))
    if face.is_not_a_face:
        raise InvalidInput(_("This region is marked as not a face."))
    collection_settings.refuse_tagging(face.asset)  # health data without an Art. 9 ground
    if face.asset.is_restricted:
        # Art. 18(2): a restricted photo is only stored, and naming someone in it is use.
        raise InvalidInput(_("This photo is restricted (Article 18 GDPR): nobody may be "
                             "tagged in it while the restriction lasts."))
    if face.is_always_blurred:
        # Erased at its owner's request: naming it after someone new would undo that.
        raise InvalidInput(_("This face was erased at the person's request and may not be "
                             "tagged again."))
    face.person_id = person.id
    face.tag_source = source
    face.tagged_by_id = actor.staff_id
    face.tagged_at = utcnow()
    face.untagged_at = None
    face.template_purged_at = None  # tagged: the template policy applies again
    if person.refuses_biometrics:
        # Their "no biometrics" choice wins at once, not only when the policy job runs.
        templates.drop([face], reason="no biometrics", actor=actor, subject=f"face:{face.id}")
    audit.record("face.tagged", actor=actor, subject=f"face:{face.id}",
                 details={"person": person.audit_ref, "source": source.value})
    # Under `consented-only` a tag can give (or, from another person, take away) the
    # face's right to a template.
    face_templates.enforce_template_policy.later()


def _nearest_person(
    face: Face, template: NDArray[np.float32], actor: Actor
) -> Suggestion | None:
    hits = search.search(template, actor=actor, purpose="suggestion", k=50,
                         exclude_face_ids={face.id}, exclude_restricted=True)
    tagged = [h for h in hits if h.person_id is not None]
    if not tagged:
        return None
    rejected = set(db.session.scalars(
        select(SuggestionRejection.person_id).where(SuggestionRejection.face_id == face.id)
    ))
    for hit in tagged:  # nearest first
        if hit.person_id in rejected:
            continue
        person = db.session.get(Person, hit.person_id)
        if person is None or person.is_suppressed:
            continue
        return Suggestion(face.id, person.id, person.name, hit.distance)
    return None
