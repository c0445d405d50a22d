"""The breach log (Art. 33/34): record a breach, watch the 72-hour clock to notify the
Autoriteit Persoonsgegevens, decide with reasons, and tell the people concerned.

Who is affected is computed, not guessed: the disclosure register's snapshot of the
faces on what leaked (tagged people by name, untagged faces counted, faces that left
blurred counted apart), the current faces of leaked photos that never left through the
register, and the audit log's record of how often a leaked share link was opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.consent import rules
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import (
    Asset,
    AuditEvent,
    Breach,
    BreachStatus,
    Disclosure,
    DisclosureFace,
    Face,
    Person,
    ShareLink,
    ShareLinkAsset,
    utcnow,
)
from likeness.platform import audit, mail
from likeness.platform.actor import Actor
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.uow import use_case

NOTIFY_WITHIN = timedelta(hours=72)


@dataclass
class Affected:
    people: list[Person] = field(default_factory=list)
    untagged_faces: int = 0
    blurred_faces: int = 0
    disclosures: int = 0
    link_views: int = 0
    first_view: datetime | None = None
    last_view: datetime | None = None

    @property
    def reachable(self) -> list[tuple[Person, str]]:
        """The affected people we can write to: their own address, or their guardian's
        while the date of birth on file says under 16 (never a child's own alone)."""
        result = []
        for person in self.people:
            address = rules.contact_address(person)
            if address:
                result.append((person, address))
        return result

    @property
    def unreachable(self) -> int:
        """People in what leaked whom no e-mail can reach: tagged without a usable
        address, and faces nobody identified (Art. 34(3)(c): tell them publicly)."""
        return len(self.people) - len(self.reachable) + self.untagged_faces


def get(breach_id: int) -> Breach:
    breach = db.session.get(Breach, breach_id)
    if breach is None:
        raise NotFound(_("No such breach."))
    return breach


def listing(include_closed: bool = True) -> list[Breach]:
    query = select(Breach).order_by(Breach.discovered_at.desc(), Breach.id.desc())
    if not include_closed:
        query = query.where(Breach.status != BreachStatus.CLOSED)
    return list(db.session.scalars(query))


def notify_by(breach: Breach) -> datetime:
    """When the authority must have been notified: 72 hours after discovery."""
    return breach.discovered_at + NOTIFY_WITHIN


def hours_left(breach: Breach, now: datetime | None = None) -> float | None:
    """Hours left on the clock; None once the authority was notified or it was decided
    that no notification is needed."""
    if breach.authority_notified_at is not None or breach.notify_authority is False:
        return None
    return (notify_by(breach) - (now or utcnow())).total_seconds() / 3600


@use_case
def record(*, discovered_at: datetime, description: str, data_concerned: str = "",
           occurred_at: datetime | None = None, share_link_ids: list[int] | None = None,
           disclosure_ids: list[int] | None = None, asset_ids: list[int] | None = None,
           actor: Actor) -> Breach:
    """Record a breach as discovered; the 72-hour clock runs from `discovered_at`."""
    if not description.strip():
        raise InvalidInput(_("Describe what happened."))
    now = utcnow()
    if discovered_at > now + timedelta(minutes=5):
        raise InvalidInput(_("The moment of discovery cannot be in the future."))
    if occurred_at is not None and occurred_at > discovered_at:
        raise InvalidInput(_("A breach cannot have happened after it was discovered."))
    links = _existing(ShareLink, share_link_ids, _("There is no share link with number "
                                                   "%(id)d."))
    disclosures = _existing(Disclosure, disclosure_ids,
                            _("There is no disclosure with number %(id)d."))
    assets = _existing(Asset, asset_ids, _("There is no photo with number %(id)d."))
    breach = Breach(reference=_next_reference(), discovered_at=discovered_at,
                    occurred_at=occurred_at, description=description.strip()[:10000],
                    data_concerned=data_concerned.strip()[:5000], share_link_ids=links,
                    disclosure_ids=disclosures, asset_ids=assets, recorded_by_id=actor.staff_id)
    db.session.add(breach)
    db.session.flush()
    audit.record("breach.recorded", actor=actor, subject=f"breach:{breach.id}",
                 details={"share_links": len(links), "disclosures": len(disclosures),
                          "photos": len(assets)})
    return breach


def affected(breach: Breach) -> Affected:
    """The people whose faces were in what leaked (see the module docstring)."""
    result = Affected()
    disclosure_ids = set(breach.disclosure_ids or [])
    links = list(breach.share_link_ids or [])
    if links:
        disclosure_ids.update(db.session.scalars(select(Disclosure.id).where(
            Disclosure.share_link_id.in_(links))))
    people: set[int] = set()
    untagged: set[tuple[str, int]] = set()
    blurred: set[tuple[str, int]] = set()
    for snapshot in db.session.scalars(select(DisclosureFace).where(
            DisclosureFace.disclosure_id.in_(disclosure_ids))):
        key = ("face", snapshot.face_id) if snapshot.face_id else ("snapshot", snapshot.id)
        if snapshot.blurred:
            blurred.add(key)
        elif snapshot.person_id is not None:
            people.add(snapshot.person_id)
        else:
            untagged.add(key)
    # Photos that leaked without a register entry: their faces as they are now.
    registered_links = set(db.session.scalars(select(Disclosure.share_link_id).where(
        Disclosure.id.in_(disclosure_ids))))
    loose_assets = set(breach.asset_ids or [])
    loose_assets.update(db.session.scalars(select(ShareLinkAsset.asset_id).where(
        ShareLinkAsset.share_link_id.in_(set(links) - registered_links))))
    for face in db.session.scalars(select(Face).where(Face.asset_id.in_(loose_assets),
                                                      Face.is_not_a_face.is_(False))):
        key = ("face", face.id)
        if face.is_always_blurred:
            blurred.add(key)
        elif face.person_id is not None:
            people.add(face.person_id)
        else:
            untagged.add(key)
    untagged -= blurred
    result.people = list(db.session.scalars(select(Person).where(Person.id.in_(people))
                                            .order_by(func.lower(Person.name), Person.id)))
    result.untagged_faces = len(untagged)
    result.blurred_faces = len(blurred)
    result.disclosures = len(disclosure_ids)
    if links:
        views = db.session.execute(select(
            func.count(AuditEvent.id), func.min(AuditEvent.created_at),
            func.max(AuditEvent.created_at)).where(
            AuditEvent.action == "share.viewed",
            AuditEvent.actor.in_([f"share:{i}" for i in links]))).one()
        result.link_views, result.first_view, result.last_view = views
    return result


@use_case
def decide(breach_id: int, *, notify_authority: bool, notify_subjects: bool, reasons: str,
           likely_consequences: str = "", measures_taken: str = "", advice: str = "",
           late_reasons: str = "", actor: Actor) -> Breach:
    """Record whether the AP and the people are notified, and why (Art. 33(5)), with what
    the notices say: the likely consequences and the measures taken (Art. 33(3)(c)-(d),
    34(2)), advice to the people, and the reasons for a late notification (Art. 33(1))."""
    breach = get(breach_id)
    if not reasons.strip():
        raise InvalidInput(_("Give the reasons for the decision."))
    if (notify_authority or notify_subjects) and not (
            likely_consequences.strip() and measures_taken.strip()):
        raise InvalidInput(_("A notification must describe the likely consequences and the "
                             "measures taken (Articles 33(3) and 34(2) GDPR)."))
    breach.likely_consequences = likely_consequences.strip()[:10000]
    breach.measures_taken = measures_taken.strip()[:10000]
    breach.advice = advice.strip()[:10000]
    breach.late_reasons = late_reasons.strip()[:10000] or None
    breach.notify_authority = notify_authority
    breach.notify_subjects = notify_subjects
    breach.decision_reasons = reasons.strip()[:10000]
    breach.decided_at = utcnow()
    breach.decided_by_id = actor.staff_id
    if breach.status == BreachStatus.OPEN:
        breach.status = BreachStatus.DECIDED
    audit.record("breach.decided", actor=actor, subject=f"breach:{breach.id}",
                 details={"notify_authority": notify_authority,
                          "notify_subjects": notify_subjects})
    return breach


@use_case
def authority_notified(breach_id: int, reference: str, *, actor: Actor) -> Breach:
    """The AP was notified (its reference, e.g. the number of the online report)."""
    breach = get(breach_id)
    if not reference.strip():
        raise InvalidInput(_("Enter the reference the Autoriteit Persoonsgegevens gave."))
    if breach.notify_authority is not True:
        raise InvalidInput(_("Record the decision to notify the Autoriteit "
                             "Persoonsgegevens first."))
    if is_late(breach) and not breach.late_reasons:
        raise InvalidInput(_("More than 72 hours have passed since the discovery: record "
                             "the reasons for the delay with the decision first (Article "
                             "33(1) GDPR)."))
    breach.authority_notified_at = breach.authority_notified_at or utcnow()
    breach.authority_reference = reference.strip()[:100]
    audit.record("breach.authority_notified", actor=actor, subject=f"breach:{breach.id}")
    return breach


@use_case
def notify_people(breach_id: int, *, actor: Actor) -> int:
    """Email the notice (Art. 34) to every affected person we can reach; returns how
    many. Only once per breach."""
    breach = get(breach_id)
    if breach.notify_subjects is not True:
        raise InvalidInput(_("Record the decision to notify the people concerned first."))
    if breach.subjects_notified_at is not None:
        raise InvalidInput(_("The people concerned were already notified."))
    reachable = affected(breach).reachable
    for person, address in reachable:
        mail.queue_email(address, "breach_notice", language="nl", breach=breach,
                         **notice_context(person, address))
    breach.subjects_notified_at = utcnow()
    audit.record("breach.subjects_notified", actor=actor, subject=f"breach:{breach.id}",
                 details={"emails": len(reachable)})
    return len(reachable)


def notice_context(person: Person, address: str) -> dict[str, Any]:
    """Whom the notice addresses: the person, or the guardian (by name) when it goes to
    the guardian's address, speaking of the child in the third person."""
    for_guardian = bool(person.guardian_email) and address == person.guardian_email \
        and address != person.email
    return {"person": person, "for_guardian": for_guardian,
            "addressee": (person.guardian_name or "") if for_guardian else person.name}


def is_late(breach: Breach, now: datetime | None = None) -> bool:
    """The 72 hours have passed without the AP being notified."""
    return (breach.authority_notified_at or now or utcnow()) > notify_by(breach)


@use_case
def communicate_publicly(breach_id: int, text: str, *, actor: Actor) -> Breach:
    """Record the public communication (where and what) that tells the people who cannot
    be reached individually (Art. 34(3)(c)); only after the decision to notify them."""
    breach = get(breach_id)
    if breach.notify_subjects is not True:
        raise InvalidInput(_("Record the decision to notify the people concerned first."))
    if not text.strip():
        raise InvalidInput(_("Say where and how the public was informed."))
    breach.public_communication = text.strip()[:10000]
    breach.public_communication_at = utcnow()
    audit.record("breach.communicated_publicly", actor=actor, subject=f"breach:{breach.id}")
    return breach


@use_case
def close(breach_id: int, *, actor: Actor) -> Breach:
    breach = get(breach_id)
    if breach.decided_at is None:
        raise InvalidInput(_("Record the decision before closing the breach."))
    breach.status = BreachStatus.CLOSED
    breach.closed_at = utcnow()
    audit.record("breach.closed", actor=actor, subject=f"breach:{breach.id}")
    return breach


def _existing(model: type, ids: list[int] | None, message: str) -> list[int]:
    wanted = sorted(set(ids or []))
    found = set(db.session.scalars(select(model.id).where(  # type: ignore[attr-defined]
        model.id.in_(wanted))))  # type: ignore[attr-defined]
    for missing in wanted:
        if missing not in found:
            raise InvalidInput(message % {"id": missing})
    return wanted


def _next_reference() -> str:
    year = amsterdam_today().year
    prefix = f"BR-{year}-"
    count = db.session.scalar(select(func.count(Breach.id)).where(
        Breach.reference.startswith(prefix))) or 0
    return f"{prefix}{count + 1:03d}"
