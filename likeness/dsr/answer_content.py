"""What an access answer says about this person, specifically (Art. 15, EDPB 01/2022).

Recipients by name from the disclosure register, retention with the actual dates where
they are known, per photo its source, who tagged it when, its consent status per channel
and whether a face template exists, the quitclaims signed, the emails we sent, and who
searched for, viewed, downloaded or shared the photos (from the audit log).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, or_, select

from likeness.cockpit import schedules
from likeness.consent import guardians, records
from likeness.dsr import identity, locate
from likeness.extensions import db
from likeness.library import blur, catalogue, consent_status, disclosures
from likeness.library.renditions import Purpose, render
from likeness.models import (
    Asset,
    AuditEvent,
    Disclosure,
    Face,
    OutgoingEmail,
    Person,
    Quitclaim,
    RequestStatus,
    StaffUser,
    SubjectRequest,
)

# Audit actions that show what happened to the person's photos, for the access log.
LOGGED_ACTIONS = ("asset.viewed", "asset.downloaded", "share.viewed", "disclosure.recorded",
                  "request.search_started", "face.tagged", "face.untagged")


@dataclass(frozen=True)
class PhotoFacts:
    asset: Asset
    face: Face
    copy_key: str  # the access copy in storage
    uploaded_by: str
    tagged_by: str | None
    lights: dict[str, str]
    template_exists: bool


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    who: str
    action: str
    photo: str


@dataclass
class AnswerContent:
    request: SubjectRequest
    disclose: bool
    person: Person | None = None
    photos: list[PhotoFacts] = field(default_factory=list)
    recipients: list[Disclosure] = field(default_factory=list)
    quitclaims: list[Quitclaim] = field(default_factory=list)
    emails: list[OutgoingEmail] = field(default_factory=list)
    access_log: list[LogEntry] = field(default_factory=list)
    retention: dict[str, object] = field(default_factory=dict)


def gather(request: SubjectRequest) -> AnswerContent:
    """Everything the answer may say. Nothing about anyone goes out with a refusal, or
    before identity is established (a refused impostor gets the refusal only)."""
    disclose = (request.status != RequestStatus.REFUSED
                and identity.established(request))
    content = AnswerContent(request=request, disclose=disclose)
    if not disclose:
        return content
    content.person = db.session.get(Person, request.person_id) if request.person_id else None
    confirmed = locate.confirmed(request.id)
    own_faces = {face.id for _m, face, _a in confirmed}
    # Consent of every photo in one query set, not one per photo (200 photos: 0.5 s).
    consent = consent_status.for_assets(sorted({asset.id for _m, _f, asset in confirmed}))
    content.photos = [_facts(face, asset, own_faces, request.person_id, consent[asset.id])
                      for _m, face, asset in confirmed]
    content.recipients = disclosures.showing(own_faces, request.person_id)
    content.quitclaims = _quitclaims(request, content.person)
    content.emails = _emails(request, content.person)
    content.access_log = _access_log([p.asset.id for p in content.photos],
                                     {p.face.id: p.asset.id for p in content.photos},
                                     request)
    content.retention = retention(content.quitclaims)
    return content


def retention(quitclaims: list[Quitclaim]) -> dict[str, object]:
    """The retention periods (the cockpit's settings) and the actual dates known for this
    person."""
    evidence_years = schedules.value(schedules.QUITCLAIM_EVIDENCE_YEARS)
    return {
        "quitclaim_ends": sorted({q.valid_until for q in quitclaims}),
        "evidence_years": evidence_years,
        "evidence_until": max((q.valid_until + relativedelta(years=evidence_years)
                               for q in quitclaims), default=None),
        "untagged_template_days": schedules.value(schedules.UNTAGGED_TEMPLATE_DAYS),
        "request_years": schedules.value(schedules.CLOSED_REQUEST_YEARS),
        "email_days": schedules.value(schedules.EMAIL_DAYS),
    }


def render_copy(asset: Asset, person_id: int | None, own_faces: set[int]) -> str:
    """The access copy of one photo: every other person blurred (Art. 15(4)); the
    requester's own faces (tagged, or confirmed for this request) never."""
    return render(asset, Purpose.ACCESS_COPY,
                  blur.everyone_but(asset.id, person_id, own_face_ids=own_faces))


def _facts(face: Face, asset: Asset, own_faces: set[int], person_id: int | None,
           consent: consent_status.AssetConsent) -> PhotoFacts:
    lights = consent.faces.get(face.id, {})
    return PhotoFacts(
        asset=asset, face=face,
        copy_key=render_copy(asset, person_id, own_faces),
        uploaded_by=staff_label(asset.uploaded_by_id),
        tagged_by=staff_label(face.tagged_by_id) if face.tagged_at else None,
        lights={channel: str(light) for channel, light in lights.items()},
        template_exists=face.template_ciphertext is not None,
    )


def _quitclaims(request: SubjectRequest, person: Person | None) -> list[Quitclaim]:
    """By the linked person and by the requester's verified address."""
    # The requester's own quitclaims; a child's only through the linked person (whose
    # identity with the requester the blockers establish), never by guardian address.
    found = {q.id: q for q, _p in records.own_for_email(request.email)}
    if person is not None:
        found.update({q.id: q for q in db.session.scalars(
            select(Quitclaim).where(Quitclaim.person_id == person.id))})
    return sorted(found.values(), key=lambda q: q.signed_at)


def _emails(request: SubjectRequest, person: Person | None) -> list[OutgoingEmail]:
    addresses = {request.email.lower()}
    if person is not None:
        addresses |= {a.lower() for a in (person.email,) if a}
        if person.guardian_email and guardians.counts_for_request(person, request):
            addresses.add(person.guardian_email.lower())
    return list(db.session.scalars(select(OutgoingEmail).where(
        func.lower(OutgoingEmail.recipient).in_(addresses)).order_by(OutgoingEmail.id)))


def _access_log(asset_ids: list[int], own_faces: dict[int, int],
                request: SubjectRequest) -> list[LogEntry]:
    """What happened to the person's photos, and what concerned the person: the tags of
    their own faces (whose subject is the face, not the photo) and the searches for them
    (every search of a request that is theirs: this one, or one linked to them)."""
    names = {f"asset:{a}": catalogue.get(a).original_filename for a in asset_ids}
    faces = {f"face:{face_id}": names.get(f"asset:{asset_id}", "")
             for face_id, asset_id in own_faces.items()}
    share_ids = {f"share:{d.share_link_id}": names.get(f"asset:{d.asset_id}", "")
                 for d in db.session.scalars(select(Disclosure).where(
                     Disclosure.asset_id.in_(asset_ids), Disclosure.share_link_id.is_not(None)))}
    requests = {f"request:{request.id}"}
    if request.person_id is not None:
        requests.update(f"request:{r}" for r in db.session.scalars(select(
            SubjectRequest.id).where(SubjectRequest.person_id == request.person_id)))
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(LOGGED_ACTIONS),
        or_(AuditEvent.subject.in_([*names, *faces, *requests]),
            AuditEvent.actor.in_(list(share_ids)))).order_by(AuditEvent.id))
    return [LogEntry(at=e.created_at, who=actor_label(e.actor), action=e.action,
                     photo=names.get(e.subject or "") or faces.get(e.subject or "")
                     or share_ids.get(e.actor, ""))
            for e in events]


def staff_label(staff_id: int | None) -> str:
    """A staff member as the answer names them: by role, or by name where the
    organisation chose to (ACCESS_LOG_STAFF_NAMES)."""
    user = db.session.get(StaffUser, staff_id) if staff_id else None
    if user is None:
        return "system"
    if current_app.config["ACCESS_LOG_STAFF_NAMES"] and user.name:
        return user.name
    return user.role


def actor_label(actor: str) -> str:
    kind, _, number = actor.partition(":")
    if kind == "staff" and number.isdigit():
        return staff_label(int(number))
    if kind == "share":
        return "recipient"
    return kind

