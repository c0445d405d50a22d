"""Answers reach only the data subject.

The requester proved control of their email address, nothing more; a selfie is a search
aid, never proof of identity. Fail closed: nothing is done or disclosed while

* the requester's email address is not confirmed by link (staff-registered addresses
  too); a request without an address waits for a recorded identity check and is then
  answered by post, to the address that check confirmed;
* any confirmed face is not tied to the requester's verified identity: an untagged face,
  a face tagged to someone without an address on file, or to someone whose address
  differs. The person on file confirms through their own address, or a privacy officer
  records an identity check (a named method, the outcome and why it suffices; never an
  ID copy). For untagged faces (the usual case) only the recorded check can help;
* a request filed for a child or someone represented waits until staff record that the
  relationship was checked.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from likeness.consent import guardians
from likeness.dsr import casework, links
from likeness.errors import Forbidden, Gone, InvalidInput
from likeness.extensions import db
from likeness.models import (
    Face,
    IdentityCheckMethod,
    Match,
    MatchDecision,
    OnBehalf,
    Person,
    ReceivedVia,
    Role,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit, mail, tokens
from likeness.platform.actor import Actor, person_actor
from likeness.platform.links import external_url
from likeness.platform.uow import use_case
from likeness.staff import accounts
from likeness.translation import lazy_gettext as _l

CONFIRM_LINK_DAYS = 14
CHECK_CONFIRMED, CHECK_FAILED = "confirmed", "failed"


def people_concerned(request: SubjectRequest) -> list[Person]:
    """The linked person and everyone tagged on a confirmed face of this request."""
    ids = set(db.session.scalars(
        select(Face.person_id).join(Match, Match.face_id == Face.id).where(
            Match.request_id == request.id, Match.decision == MatchDecision.CONFIRMED,
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


def checked(request: SubjectRequest) -> bool:
    """A privacy officer recorded an identity check that confirmed the requester."""
    return (request.identity_checked_at is not None
            and request.identity_check_outcome == CHECK_CONFIRMED)


def unconfirmed_people(request: SubjectRequest) -> list[Person]:
    """People concerned whose identity with the requester is not established."""
    if checked(request):
        return []
    return [p for p in people_concerned(request)
            if not _address_matches(p, request)
            and not (p.id == request.person_id and request.person_confirmed_at is not None)]


def untagged_confirmed_faces(request: SubjectRequest) -> int:
    """Confirmed faces tagged to nobody: nothing on file ties them to the requester."""
    return int(db.session.scalar(
        select(func.count(Match.id)).join(Face, Face.id == Match.face_id).where(
            Match.request_id == request.id, Match.decision == MatchDecision.CONFIRMED,
            Face.person_id.is_(None))) or 0)


def address_blockers(request: SubjectRequest) -> list[str]:
    """Why nothing may be sent to the requester yet: an address not confirmed by link, or
    no address and no recorded check (the answer then goes by post)."""
    if request.email:
        if request.email_verified_at is not None:
            return []
        if request.received_via == ReceivedVia.PORTAL:
            return [_("The requester has not confirmed their email address.")]
        return [_("The email address registered for this request is not confirmed yet: we "
                  "sent it a link. Nothing is sent to it before it is confirmed.")]
    if checked(request) and request.identity_check_address:
        return []
    return [_("The request has no email address: record an identity check with the postal "
              "address you checked; the answer then goes by post to that address.")]


def blockers(request: SubjectRequest) -> list[str]:
    """Why nothing may be done or disclosed yet (empty when identity is established), in
    words a privacy officer can act on."""
    reasons = address_blockers(request)
    if request.identity_check_outcome == CHECK_FAILED:
        reasons.append(_("The identity check did not confirm the requester: nothing about "
                         "the photos may be done or sent. Refuse the request, or record a "
                         "new check."))
    if request.on_behalf != OnBehalf.SELF and request.relationship_checked_at is None:
        reasons.append(_("The request is made for someone else: record that the "
                         "relationship was checked."))
    if checked(request):
        return reasons
    untagged = untagged_confirmed_faces(request)
    if untagged:
        reasons.append(ngettext(
            "%(num)d confirmed face is tagged to nobody, so nothing on file ties it to the "
            "requester: record an identity check (video call, questions about the event, "
            "or a visit).",
            "%(num)d confirmed faces are tagged to nobody, so nothing on file ties them to "
            "the requester: record an identity check (video call, questions about the "
            "event, or a visit).", untagged))
    for person in unconfirmed_people(request):
        why = guardians.why_not_for_request(person, request)
        if why:
            reasons.append(why)
        elif person.email or person.guardian_email:
            reasons.append(_("%(name)s's address on file differs from the requester's: ask "
                             "them to confirm through that address, or record an identity "
                             "check.", name=person.name))
        else:
            reasons.append(_("%(name)s has no address on file, so nothing ties them to the "
                             "requester: record an identity check.", name=person.name))
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


METHODS = {
    IdentityCheckMethod.VIDEO_CALL: _l(
        "a video call in which a privacy officer compares you with the photos"),
    IdentityCheckMethod.EVENT_QUESTIONS: _l(
        "a few questions about the event that only someone who was there can answer"),
    IdentityCheckMethod.IN_PERSON: _l("a visit to our desk"),
}
MIN_WHY = 20  # "why it suffices" is at least a sentence


def _require_privacy_officer(actor: Actor) -> None:
    staff = accounts.get(actor.staff_id) if actor.staff_id is not None else None
    if staff is None or not staff.has_role(Role.PRIVACY_OFFICER):
        raise Forbidden(_("Only a privacy officer can do this."))


@use_case
def ask_requester_for_check(request_id: int, *, method: str, actor: Actor) -> SubjectRequest:
    """Tell the requester, at their confirmed address, that an identity check is needed
    and how it goes. Never asks for an ID copy."""
    request = casework.get(request_id)
    _require_privacy_officer(actor)
    if method not in METHODS:
        raise InvalidInput(_("Choose how identity will be checked."))
    if not request.email or request.email_verified_at is None:
        raise InvalidInput(_("There is no confirmed email address: call or write to the "
                             "person to arrange the check."))
    mail.queue_email(request.email, "request_identity_check", language=request.language,
                     request=request, method=method, methods=METHODS,
                     url=links.status_url(request))
    request.identity_check_requested_at = utcnow()
    audit.record("request.identity_check_requested", actor=actor,
                 subject=f"request:{request.id}", details={"method": method})
    return request


@use_case
def record_identity_check(request_id: int, *, method: str, outcome: str, why: str,
                          address: str = "", actor: Actor) -> SubjectRequest:
    """A privacy officer records an identity check: which method, the outcome, why it
    suffices and (for a request without an email address) the postal address checked."""
    request = casework.get(request_id)
    _require_privacy_officer(actor)
    if method not in METHODS:
        raise InvalidInput(_("Choose how identity was checked."))
    if outcome not in {CHECK_CONFIRMED, CHECK_FAILED}:
        raise InvalidInput(_("Say whether the check confirmed the requester."))
    if len(why.strip()) < MIN_WHY:
        raise InvalidInput(_("Say in at least a sentence why this check suffices."))
    if not request.email and outcome == CHECK_CONFIRMED and not address.strip():
        raise InvalidInput(_("The request has no email address: give the postal address you "
                             "checked; the answer goes there."))
    request.identity_check = why.strip()[:1500]
    request.identity_check_method = method
    request.identity_check_outcome = outcome
    request.identity_check_address = address.strip()[:500] or None
    request.identity_checked_at = utcnow()
    request.identity_checked_by_id = actor.staff_id
    audit.record("request.identity_checked", actor=actor, subject=f"request:{request.id}",
                 details={"method": method, "outcome": outcome})
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
