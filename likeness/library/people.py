"""People: list, find, rename, merge and delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.library import face_templates
from likeness.models import (
    Asset,
    Face,
    Person,
    Quitclaim,
    QuitclaimInvitation,
    SubjectRequest,
    SuggestionRejection,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.addresses import normalise_email
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.uow import use_case


def get(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    return person


def list_people(query: str = "", limit: int = 500) -> list[tuple[Person, int]]:
    """People with the number of faces tagged to them, by name."""
    faces = (
        select(func.count(Face.id)).where(Face.person_id == Person.id).correlate(Person)
        .scalar_subquery()
    )
    stmt = (
        select(Person, faces)
        .where(Person.is_suppressed.is_(False))
        .order_by(func.lower(Person.name))
        .limit(limit)
    )
    if query:
        stmt = stmt.where(func.lower(Person.name).contains(query.strip().lower(),
                                                          autoescape=True))
    return [(p, n) for p, n in db.session.execute(stmt).all()]


def faces_of(person_id: int) -> list[tuple[Face, Asset]]:
    return [
        (face, asset)
        for face, asset in db.session.execute(
            select(Face, Asset).join(Asset).where(Face.person_id == person_id)
            .order_by(Asset.id)
        ).all()
    ]


@use_case
def create(
    name: str, *, actor: Actor, email: str | None = None,
    date_of_birth: date | None = None, guardian_email: str | None = None,
) -> Person:
    name = name.strip()
    if not name:
        raise InvalidInput(_("A person needs a name."))
    person = Person(name=name[:200], email=_email(email), date_of_birth=date_of_birth,
                    guardian_email=_email(guardian_email))
    db.session.add(person)
    db.session.flush()
    audit.record("person.created", actor=actor, subject=person.audit_ref)
    return person


@dataclass(frozen=True)
class Details:
    """How to reach a person, and their age: what an invitation needs."""

    email: str | None = None
    date_of_birth: date | None = None
    guardian_email: str | None = None
    is_dependent: bool | None = None  # None: leave as it is


@use_case
def update_details(person_id: int, details: Details, *, actor: Actor,
                   only_add: bool = False) -> Person:
    """Change a person's email, date of birth and guardian's email (audited: which
    fields changed, never their values). `only_add` fills in what is given and leaves
    the rest as it is (the invitation form completing a person)."""
    person = get(person_id)
    if details.date_of_birth is not None and details.date_of_birth > amsterdam_today():
        raise InvalidInput(_("The date of birth lies in the future."), field="date_of_birth")
    wanted: dict[str, object] = {
        "email": _email(details.email, "email"), "date_of_birth": details.date_of_birth,
        "guardian_email": _email(details.guardian_email, "guardian_email")}
    if details.is_dependent is not None:
        wanted["is_dependent"] = details.is_dependent
    changed = []
    for name, value in wanted.items():
        if only_add and value is None:
            continue
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    if changed:
        audit.record("person.details_changed", actor=actor, subject=person.audit_ref,
                     details={"changed": changed})
    return person


@use_case
def set_guardian_email(person_id: int, email: str, *, actor: Actor) -> Person:
    person = get(person_id)
    person.guardian_email = _email(email)
    audit.record("person.guardian_changed", actor=actor, subject=person.audit_ref)
    return person


@use_case
def rename(person_id: int, name: str, *, actor: Actor) -> Person:
    person = get(person_id)
    if not name.strip():
        raise InvalidInput(_("A person needs a name."))
    person.name = name.strip()[:200]
    audit.record("person.renamed", actor=actor, subject=person.audit_ref)
    return person


@use_case
def merge(source_id: int, target_id: int, *, actor: Actor) -> Person:
    """Move every face of `source` to `target` and delete `source`."""
    if source_id == target_id:
        raise InvalidInput(_("Choose two different people to merge."))
    source, target = get(source_id), get(target_id)
    if target.is_suppressed:
        raise InvalidInput(_("This person asked for erasure: nothing may be merged into them."))
    moved = db.session.execute(
        update(Face).where(Face.person_id == source.id).values(person_id=target.id)
    )
    # Consent evidence and requests belong to the person, not the duplicate entry: move
    # them before the entry goes (their foreign keys would delete them with it).
    for model in (Quitclaim, QuitclaimInvitation, SubjectRequest):
        db.session.execute(update(model).where(model.person_id == source.id)
                           .values(person_id=target.id))
    # Rejections of the source stay meaningful for the merged person.
    for rejection in db.session.scalars(
        select(SuggestionRejection).where(SuggestionRejection.person_id == source.id)
    ).all():
        if db.session.get(SuggestionRejection, (rejection.face_id, target.id)) is None:
            db.session.add(SuggestionRejection(face_id=rejection.face_id, person_id=target.id,
                                               rejected_by_id=rejection.rejected_by_id))
    db.session.flush()
    if source.refuses_biometrics and not target.refuses_biometrics:
        # One of the two entries said no to face recognition: the merged person did.
        set_no_biometrics(target.id, reason=source.no_biometrics_reason or "merged",
                          actor=actor)
    elif target.refuses_biometrics:
        face_templates.delete_templates_of(target.id, actor=actor, reason="no biometrics")
    db.session.delete(source)
    audit.record("person.merged", actor=actor, subject=target.audit_ref,
                 details={"merged": source.audit_ref, "faces_moved": _rowcount(moved)})
    return target


@use_case
def set_no_biometrics(person_id: int, *, reason: str, actor: Actor) -> Person:
    """The person wants no face recognition: delete their templates now, and make none
    again under any policy until they give biometric consent."""
    person = get(person_id)
    if person.no_biometrics_at is None:
        person.no_biometrics_at = utcnow()
    person.no_biometrics_reason = reason[:500]
    face_templates.delete_templates_of(person.id, actor=actor, reason=reason[:200])
    audit.record("person.no_biometrics_set", actor=actor, subject=person.audit_ref)
    return person


@use_case
def allow_biometrics(person_id: int, *, actor: Actor) -> Person:
    """The person gave biometric consent (again): their "no biometrics" choice ends."""
    person = get(person_id)
    if person.no_biometrics_at is not None:
        person.no_biometrics_at = None
        person.no_biometrics_reason = None
        audit.record("person.no_biometrics_cleared", actor=actor, subject=person.audit_ref)
        face_templates.enforce_template_policy.later()
    return person


@use_case
def delete(person_id: int, *, actor: Actor) -> int:
    """Delete a person; their faces are untagged (templates stay, as policy keeps them).

    Refused while quitclaims exist: they are the evidence of consent (use merge, or an
    erasure request, instead)."""
    person = get(person_id)
    if db.session.scalar(select(Quitclaim.id).where(Quitclaim.person_id == person.id).limit(1)):
        raise InvalidInput(_("This person signed quitclaims, which must be kept as evidence. "
                             "Merge the person instead, or handle an erasure request."))
    untagged = db.session.execute(
        update(Face).where(Face.person_id == person.id)
        .values(person_id=None, tag_source=None, tagged_by_id=None, tagged_at=None,
                untagged_at=utcnow())
    )
    db.session.delete(person)
    face_templates.enforce_template_policy.later()
    audit.record("person.deleted", actor=actor, subject=person.audit_ref,
                 details={"faces_untagged": _rowcount(untagged)})
    return _rowcount(untagged)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _email(raw: str | None, field: str | None = None) -> str | None:
    if not raw or not raw.strip():
        return None
    try:
        return normalise_email(raw)
    except InvalidInput as exc:
        exc.field = field
        raise
