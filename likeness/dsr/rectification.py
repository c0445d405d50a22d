"""Rectification (Art. 16): staff correct the person's record from the case page, field by
field (old value shown, new value typed); each correction is a step of the answer, which
states what changed. While the accuracy is contested the officer can restrict the
person's confirmed photos (Art. 18(1)(a)); that restriction is lifted the usual way
(`likeness.dsr.restriction`: the person is told first, Art. 18(3)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.dsr import casework, locate, readiness, restriction
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.integrations import events
from likeness.library import disclosures, people
from likeness.models import (
    Channel,
    Person,
    RequestAction,
    RequestType,
    SubjectRequest,
    TakedownReason,
)
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case
from likeness.translation import lazy_gettext as _l

# The stored fields of a person a rectification can correct, with their label.
FIELDS: dict[str, Any] = {
    "name": _l("Name"),
    "email": _l("Email address"),
    "date_of_birth": _l("Date of birth"),
}
CORRECTED = "field_rectified"  # RequestAction kind; params: field, old, new
RESTRICTED = restriction.CONTESTED  # RequestAction kind; params: n


@dataclass(frozen=True)
class Correction:
    field: str
    old: str
    new: str


def current_values(person: Person | None) -> dict[str, str]:
    """What the record holds now, per correctable field, as staff see it."""
    if person is None:
        return {}
    return {"name": person.name, "email": person.email or "",
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else ""}


def corrections(request_id: int) -> list[Correction]:
    return [Correction(str(p.get("field")), str(p.get("old", "")), str(p.get("new", "")))
            for p in db.session.scalars(select(RequestAction.params).where(
                RequestAction.request_id == request_id, RequestAction.kind == CORRECTED)
                .order_by(RequestAction.id)) if p]


def restricted_while_contested(request_id: int) -> bool:
    return db.session.scalar(select(RequestAction.id).where(
        RequestAction.request_id == request_id, RequestAction.kind == RESTRICTED)
        .limit(1)) is not None


def case_step(request: SubjectRequest) -> dict[str, Any] | None:
    """What the case page's rectification step shows: the values on record, the
    corrections made, and whether the photos are restricted while contested."""
    if request.type != RequestType.RECTIFICATION:
        return None
    person = db.session.get(Person, request.person_id) if request.person_id else None
    return {"person": person, "record": current_values(person), "labels": FIELDS,
            "corrections": corrections(request.id),
            "restricted": restricted_while_contested(request.id)}


@use_case
def correct(request_id: int, field: str, new_value: str, *, actor: Actor) -> Correction:
    """Change one field of the linked person's record; audited (which field, never the
    values) and recorded for the answer (with both values: the person is told)."""
    request = _open_rectification(request_id)
    readiness.require_carry_out(request)  # never change a record for an unconfirmed requester
    if request.person_id is None:
        raise InvalidInput(_("Link the request to the person whose record is to be "
                             "corrected first."))
    if field not in FIELDS:
        raise InvalidInput(_("Choose the field to correct."), field="field")
    person = people.get(request.person_id)
    old = current_values(person)[field]
    new_value = " ".join(new_value.split())
    if not new_value:
        raise InvalidInput(_("Enter the corrected value."), field="value")
    if field == "name":
        people.rename(person.id, new_value[:200], actor=actor)
    elif field == "email":
        people.update_details(person.id, people.Details(email=new_value), actor=actor,
                              only_add=True)
    else:
        people.update_details(person.id, people.Details(date_of_birth=_date(new_value)),
                              actor=actor, only_add=True)
    new = current_values(person)[field]
    if new == old:
        raise InvalidInput(_("The record already holds this value."), field="value")
    db.session.add(RequestAction(request_id=request.id, kind=CORRECTED,
                                 params={"field": field, "old": old, "new": new}))
    audit.record("request.field_rectified", actor=actor, subject=f"request:{request.id}",
                 details={"field": field})
    return Correction(field, old, new)


@use_case
def restrict_while_contested(request_id: int, *, actor: Actor) -> int:
    """Art. 18(1)(a): restrict the confirmed photos while the accuracy is checked.
    Returns how many photos were restricted."""
    request = _open_rectification(request_id)
    if restricted_while_contested(request.id):
        raise InvalidInput(_("The photos are restricted already."))
    assets = {asset.id: asset for _m, _f, asset in locate.confirmed(request.id)}
    if not assets:
        raise InvalidInput(_("Search and confirm the person's photos first: the restriction "
                             "applies to them."))
    for asset in assets.values():
        asset.is_restricted = True
        asset.restricted_reason = restriction.REASON
    disclosures.take_down(assets, [c.value for c in Channel], reason=TakedownReason.RESTRICTION,
                          actor=actor, request_id=request.id,
                          note="accuracy contested (Art. 18(1)(a))")
    events.subject_changed("subject.restricted", person_id=request.person_id,
                           asset_ids=list(assets), reason=TakedownReason.RESTRICTION.value)
    casework.record_action(request, RESTRICTED, count=len(assets))
    audit.record("request.restricted_while_contested", actor=actor,
                 subject=f"request:{request.id}", details={"photos": len(assets)})
    return len(assets)


def _open_rectification(request_id: int) -> SubjectRequest:
    request = casework.get(request_id)
    if request.type != RequestType.RECTIFICATION:
        raise InvalidInput(_("Only a rectification request corrects a record."))
    if request.status not in casework.OPEN_STATES or casework.carried_out(request.id):
        raise InvalidInput(_("This request is closed."))
    return request


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(_("Enter the date as YYYY-MM-DD, for example 1961-08-04."),
                           field="value") from exc
