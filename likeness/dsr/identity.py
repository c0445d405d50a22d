"""Answers reach only the data subject.

The requester proved control of their email address, nothing more; a selfie is a search
aid, never proof of identity. Before anything is done or disclosed:

* every person concerned (the linked person, and anyone tagged on a confirmed face) whose
  address on file differs from the requester's must confirm through that address, or a
  privacy officer records an identity check (method, and why it is proportionate; never
  an ID copy);
* a request filed for a child or someone represented waits until staff record that the
  relationship was checked.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.consent import guardians
from likeness.dsr import casework
from likeness.errors import Gone, InvalidInput
from likeness.extensions import db
from likeness.models import (
    Face,
    Match,
    MatchDecision,
    OnBehalf,
    Person,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit, mail, tokens
from likeness.platform.actor import Actor, person_actor
from likeness.platform.links import external_url
from likeness.platform.uow import use_case
from likeness.staff import accounts

CONFIRM_LINK_DAYS = 14


def people_concerned(request: SubjectRequest) -> list[Person]:
    """The linked person and everyone tagged on a confirmed face of this request."""
    ids = set(db.session.scalars(
        select(Face.person_id).join(Match, Match.face_id == Face.id).where(
            Match.request_id == request.id, Match.decision == MatchDecision.CONFIRMED.value,
            Face.person_id.is_not(None))))
    if request.person_id is not None:
        ids.add(request.person_id)
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))


def _address_matches(person: Person, request: SubjectRequest) -> bool:
    """The requester's address is the person's own, or their guardian's on a request
    filed for the child while the guardian may still file (under 18, relationship
    checked; see likeness.consent.guardians)."""
    if not request.email:
        return False
    own = person.email and person.email.strip().lower() == request.email.strip().lower()
    return bool(own) or guardians.counts_for_request(person, request)


def unconfirmed_people(request: SubjectRequest) -> list[Person]:
    """People concerned whose identity with the requester is not established."""
    if request.identity_checked_at is not None:
        return []
    return [p for p in people_concerned(request)
            if not _address_matches(p, request)
            and not (p.id == request.person_id and request.person_confirmed_at is not None)]


def blockers(request: SubjectRequest) -> list[str]:
    """Why nothing may be done or disclosed yet (empty when identity is established)."""
    reasons = []
    if request.email_verified_at is None:
        reasons.append(_("The requester has not confirmed their email address."))
    if request.on_behalf != OnBehalf.SELF.value and request.relationship_checked_at is None:
        reasons.append(_("The request is made for someone else: record that the "
                         "relationship was checked."))
    for person in unconfirmed_people(request):
        reasons.append(guardians.why_not_for_request(person, request) or _(
            "%(name)s's address on file differs from the requester's: ask them to confirm "
            "through that address, or record an identity check.", name=person.name))
    return reasons


def established(request: SubjectRequest) -> bool:
    return not blockers(request)


def require_established(request: SubjectRequest) -> None:
    reasons = blockers(request)
    if reasons:
        raise InvalidInput(" ".join(reasons))


@use_case
def ask_person_to_confirm(request_id: int, *, actor: Actor) -> SubjectRequest:
    """Email the linked person, at their address on file, a link to confirm the request
    is theirs. The email says nothing about the requester."""
    request = casework.get(request_id)
    person = db.session.get(Person, request.person_id) if request.person_id else None
    if person is None:
        raise InvalidInput(_("Link the person first."))
    address = person.email or (person.guardian_email if guardians.may_file(person) else None)
    if not address:
        raise InvalidInput(_("This person has no address on file: record an identity check "
                             "instead."))
    token = tokens.make(tokens.Purpose.REQUEST_PERSON_CONFIRMATION,
                        {"r": request.id, "p": person.id})
    mail.queue_email(address, "request_person_confirm", language=request.language,
                     person=person, request=request,
                     url=external_url("portal.confirm_request_identity", token=token),
                     days=CONFIRM_LINK_DAYS)
    request.person_confirmation_sent_at = utcnow()
    audit.record("request.person_confirmation_sent", actor=actor,
                 subject=f"request:{request.id}", details={"person": person.audit_ref})
    return request


def from_confirmation_link(token: str) -> tuple[SubjectRequest, Person]:
    payload = tokens.read(tokens.Purpose.REQUEST_PERSON_CONFIRMATION, token,
                          max_age_seconds=CONFIRM_LINK_DAYS * 86400)
    request = db.session.get(SubjectRequest, payload.get("r"))
    person = db.session.get(Person, payload.get("p"))
    if request is None or person is None or request.person_id != person.id:
        raise tokens.InvalidLink()
    if request.person_confirmed_at is not None:
        raise Gone(_("You already answered. Thank you."))
    return request, person


@use_case
def answer_confirmation(token: str, *, it_was_me: bool) -> SubjectRequest:
    """The person on file says whether the request is theirs; a "no" alerts staff."""
    request, person = from_confirmation_link(token)
    if it_was_me:
        request.person_confirmed_at = utcnow()
        audit.record("request.person_confirmed", actor=person_actor(person.id),
                     subject=f"request:{request.id}")
        return request
    request.identity_doubt = "the person on file says they did not make this request"
    audit.record("request.person_denied", actor=person_actor(person.id),
                 subject=f"request:{request.id}")
    for recipient in accounts.alert_recipients():
        mail.queue_email(recipient, "staff_identity_denied", language="en", request=request,
                         url=external_url("admin.request_page", request_id=request.id))
    return request


@use_case
def record_identity_check(request_id: int, *, method: str, why: str,
                          actor: Actor) -> SubjectRequest:
    """A privacy officer records how identity was checked and why that is proportionate."""
    request = casework.get(request_id)
    if not method.strip() or not why.strip():
        raise InvalidInput(_("Say how identity was checked and why that is proportionate."))
    request.identity_check = f"{method.strip()[:500]} — {why.strip()[:1500]}"
    request.identity_checked_at = utcnow()
    request.identity_checked_by_id = actor.staff_id
    audit.record("request.identity_checked", actor=actor, subject=f"request:{request.id}")
    return request


@use_case
def record_relationship_check(request_id: int, *, note: str, actor: Actor) -> SubjectRequest:
    """Staff checked that the requester may act for the child or the represented person."""
    request = casework.get(request_id)
    if not note.strip():
        raise InvalidInput(_("Say how the relationship was checked."))
    request.relationship_check_note = note.strip()[:2000]
    request.relationship_checked_at = utcnow()
    request.relationship_checked_by_id = actor.staff_id
    audit.record("request.relationship_checked", actor=actor, subject=f"request:{request.id}")
    return request
