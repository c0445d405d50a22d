"""Who did something, in words, for staff pages: the stored references (`staff:3`,
`person:12`, `system`) are pseudonymous on purpose; a staff page turns them into the
staff member's name, the person's name, or a description."""

from __future__ import annotations

from flask import g

from likeness.extensions import db
from likeness.models import Person, StaffUser
from likeness.translation import lazy_gettext as _l

NAMED = {
    "system": _l("the system"),
    "cli": _l("an operator (command line)"),
    "subject": _l("the requester"),
    "anonymous": _l("someone not logged in"),
}


def actor_name(ref: str | None, *, people: bool = True) -> str:
    """`ref` in words. With `people=False` (the audit log) a person stays a reference."""
    if not ref:
        return ""
    cache: dict[tuple[str, bool], str] = g.setdefault("actor_names", {})
    if (ref, people) not in cache:
        cache[(ref, people)] = _lookup(ref, people)
    return cache[(ref, people)]


def _lookup(ref: str, people: bool) -> str:
    if ref in NAMED:
        return str(NAMED[ref])
    kind, _, number = ref.partition(":")
    if not number.isdigit():
        return ref
    if kind == "staff":
        user = db.session.get(StaffUser, int(number))
        return (user.name or user.email) if user else ref
    if kind == "person" and people:
        person = db.session.get(Person, int(number))
        return person.name if person else ref
    return ref
