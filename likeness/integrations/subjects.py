"""People the image bank registers under its own opaque reference (for invitations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import Conflict, InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import ExternalSubject, Person
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.addresses import normalise_email
from likeness.platform.text import has_control_characters
from likeness.platform.uow import use_case


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None
    date_of_birth: date | None = None
    is_minor: bool = False
    guardian_name: str | None = None
    guardian_email: str | None = None


@dataclass(frozen=True)
class Saved:
    person_id: int
    created: bool


def invitable_person_id(integration_id: int, external_ref: str) -> int:
    """The person to invite: registered (404 if not), and not erased (409)."""
    row = _row(integration_id, external_ref)
    if row is None:
        raise NotFound(_("No person with this external_ref is registered."))
    person = db.session.get(Person, row.person_id)
    if person is None or person.is_suppressed:
        raise Conflict(_("This person was erased at their request; they cannot be "
                         "registered again."), field="external_ref")
    return row.person_id


@use_case
def put(integration_id: int, external_ref: str, contact: Contact, *, actor: Actor) -> Saved:
    """Create or update the person the image bank calls `external_ref`. An erased person,
    or an address on the suppression list, is refused (409): erasure is not undone by
    registering the person again."""
    name = contact.name.strip()
    if not name or has_control_characters(name):
        raise InvalidInput(_("Give the person's name, one line of plain text."), field="name")
    email = _address(contact.email, "email")
    guardian_email = _address(contact.guardian_email, "guardian_email")
    for address in (email, guardian_email):
        if address and db.session.scalar(select(Person.id).where(
                func.lower(Person.email) == address, Person.is_suppressed.is_(True))):
            raise Conflict(_("This address belongs to someone who was erased at their "
                             "request; it cannot be registered again."), field="email")
    row = _row(integration_id, external_ref)
    person = db.session.get(Person, row.person_id) if row is not None else None
    if person is not None and person.is_suppressed:
        raise Conflict(_("This person was erased at their request; they cannot be "
                         "registered again."), field="external_ref")
    created = person is None
    if person is None:
        person = Person(name=name[:200])
        db.session.add(person)
        db.session.flush()
        db.session.add(ExternalSubject(integration_id=integration_id, external_ref=external_ref,
                                       person_id=person.id))
    person.name = name[:200]
    person.email = email
    person.date_of_birth = contact.date_of_birth
    person.is_minor = contact.is_minor
    person.guardian_name = (contact.guardian_name or "").strip()[:200] or None
    person.guardian_email = guardian_email
    db.session.flush()
    audit.record("api.subject_registered" if created else "api.subject_updated", actor=actor,
                 subject=person.audit_ref, details={"integration": integration_id})
    return Saved(person.id, created)


def _address(raw: str | None, field: str) -> str | None:
    if not raw or not raw.strip():
        return None
    try:
        return normalise_email(raw)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from exc


def _row(integration_id: int, external_ref: str) -> ExternalSubject | None:
    return db.session.scalar(select(ExternalSubject).where(
        ExternalSubject.integration_id == integration_id,
        ExternalSubject.external_ref == external_ref))
