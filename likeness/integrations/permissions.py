"""May this photo be used on this channel? Per asset and per face, with reasons.

One domain function, `decide`, for the API's single and bulk checks. It starts from the
consent status the library uses (likeness.library.consent_status: green/amber/red per face and
channel) and explains each face with reason codes. Closed by default: a face nobody has
identified is `unknown`, a photo whose faces are not detected yet is `unknown`, and
anything not proven consented is `denied`; never `allowed` for want of a fact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import or_, select

from likeness.extensions import db
from likeness.library import consent_status
from likeness.models import (
    Asset,
    Face,
    LegalHold,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimStatus,
    RequestStatus,
    RequestType,
    SubjectRequest,
    utcnow,
)
from likeness.platform.clock import today as amsterdam_today

# Plain strings: enum attribute access is slow in the per-face loops of a bulk check.
SIGNED, WITHDRAWN, EXPIRED = (QuitclaimStatus.SIGNED.value, QuitclaimStatus.WITHDRAWN.value,
                              QuitclaimStatus.EXPIRED.value)
OPEN_REQUEST = (RequestStatus.AWAITING_VERIFICATION.value, RequestStatus.OPEN.value,
                RequestStatus.INFO_REQUESTED.value, RequestStatus.IN_PROGRESS.value)


class Decision(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    UNKNOWN = "unknown"


class Code(StrEnum):
    CONSENTED = "consented"
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    CHANNEL_NOT_COVERED = "channel_not_covered"
    RESTRICTED = "restricted"
    ERASURE_PENDING = "erasure_pending"
    ERASED = "erased"
    UNKNOWN_FACE = "unknown_face"
    LEGAL_HOLD = "legal_hold"
    # Not a consent: the face is blurred in every rendition, so it does not block.
    BLURRED = "blurred"
    # The photo's faces are not known yet (detection pending or failed).
    NOT_INDEXED = "not_indexed"


@dataclass(frozen=True)
class Reason:
    code: Code
    person_ref: str | None = None
    quitclaim_id: int | None = None
    valid_until: date | None = None


@dataclass
class FaceDecision:
    face_id: int
    box: tuple[int, int, int, int]
    decision: Decision
    reasons: list[Reason]
    valid_until: date | None = None


@dataclass
class AssetDecision:
    asset_id: int
    channel: str
    decision: Decision
    reasons: list[Reason]
    faces: list[FaceDecision]
    checked_at: datetime
    valid_until: date | None = None


@dataclass
class _Quitclaim:
    id: int
    status: str
    valid_from: date
    valid_until: date
    channels: dict[str, bool] = field(default_factory=dict)  # channel -> withdrawn


@dataclass
class _Facts:
    """What the reasons need beyond the lights, for a batch of assets."""

    restricted: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    faces: dict[int, list[tuple[int, tuple[int, int, int, int], int | None]]] = field(
        default_factory=lambda: defaultdict(list))
    erased: set[int] = field(default_factory=set)
    erasure_pending: set[int] = field(default_factory=set)
    # (person, asset) -> the person's quitclaims naming the asset
    quitclaims: dict[tuple[int, int], list[_Quitclaim]] = field(
        default_factory=lambda: defaultdict(list))


def person_ref(person_id: int) -> str:
    """The opaque reference an image bank sees for a person (never a name)."""
    return f"person:{person_id}"


def decide(asset_ids: list[int], channels: list[str], *,
           on: date | None = None) -> dict[tuple[int, str], AssetDecision]:
    """The decision for every (asset, channel) pair."""
    on = on or amsterdam_today()
    checked_at = utcnow()
    consent = consent_status.for_assets(asset_ids, on=on)
    facts = _facts(asset_ids)
    result = {}
    for asset_id in asset_ids:
        for channel in channels:
            result[(asset_id, channel)] = _decide_one(
                consent[asset_id], channel, facts, on, checked_at)
    return result


def _decide_one(consent: consent_status.AssetConsent, channel: str, facts: _Facts, on: date,
                checked_at: datetime) -> AssetDecision:
    asset_id = consent.asset_id
    asset_reasons: list[Reason] = []
    if asset_id in facts.restricted:
        asset_reasons.append(Reason(Code.RESTRICTED))
    if asset_id in facts.held:
        asset_reasons.append(Reason(Code.LEGAL_HOLD))
    if not consent.indexed:
        asset_reasons.append(Reason(Code.NOT_INDEXED))
    faces = []
    for face_id, box, person_id in facts.faces.get(asset_id, []):
        light = consent.faces.get(face_id, {}).get(channel, consent_status.Light.RED)
        faces.append(_face(face_id, box, person_id, light, face_id in consent.blurred,
                           asset_id, channel, facts, on))
    decisions = {f.decision for f in faces}
    if any(r.code in {Code.RESTRICTED, Code.LEGAL_HOLD} for r in asset_reasons) or (
            Decision.DENIED in decisions):
        decision = Decision.DENIED
    elif not consent.indexed or Decision.UNKNOWN in decisions:
        decision = Decision.UNKNOWN
    else:
        decision = Decision.ALLOWED
    # The library's own rule must agree: allowed only where the asset is usable.
    if decision == Decision.ALLOWED and not consent.usable(channel):
        decision = Decision.DENIED
    until = [f.valid_until for f in faces if f.valid_until is not None]
    return AssetDecision(asset_id, channel, decision, asset_reasons, faces, checked_at,
                         min(until) if decision == Decision.ALLOWED and until else None)


def _face(face_id: int, box: tuple[int, int, int, int], person_id: int | None,
          light: consent_status.Light, blurred: bool, asset_id: int, channel: str, facts: _Facts,
          on: date) -> FaceDecision:
    if blurred:
        return FaceDecision(face_id, box, Decision.ALLOWED, [Reason(Code.BLURRED)])
    if person_id is None:
        return FaceDecision(face_id, box, Decision.UNKNOWN, [Reason(Code.UNKNOWN_FACE)])
    ref = person_ref(person_id)
    if person_id in facts.erased:
        return FaceDecision(face_id, box, Decision.DENIED, [Reason(Code.ERASED, ref)])
    # Facts that block even a valid quitclaim.
    blockers = []
    if person_id in facts.erasure_pending:
        blockers.append(Reason(Code.ERASURE_PENDING, ref))
    if asset_id in facts.restricted:
        blockers.append(Reason(Code.RESTRICTED, ref))
    consented: Reason | None = None
    missing: list[Reason] = []  # quitclaims that do not cover it, and why
    for qc in facts.quitclaims.get((person_id, asset_id), []):
        code = _quitclaim_code(qc, channel, on)
        if code is None:
            continue
        reason = Reason(code, ref, qc.id, qc.valid_until)
        if code != Code.CONSENTED:
            missing.append(reason)
        elif consented is None or qc.valid_until > (consented.valid_until or date.min):
            consented = reason
    if consented is not None:
        if light != consent_status.Light.RED and not blockers:
            return FaceDecision(face_id, box, Decision.ALLOWED, [consented],
                                consented.valid_until)
        return FaceDecision(face_id, box, Decision.DENIED, [consented, *blockers])
    return FaceDecision(face_id, box, Decision.DENIED,
                        [*blockers, *(missing or [Reason(Code.NO_CONSENT, ref)])])


def _quitclaim_code(qc: _Quitclaim, channel: str, on: date) -> Code | None:
    """What one quitclaim naming the asset says about `channel` (None: nothing)."""
    if channel not in qc.channels:
        # A quitclaim in force that leaves this channel out; a dead one says nothing.
        live = qc.status == SIGNED and qc.valid_from <= on <= qc.valid_until
        return Code.CHANNEL_NOT_COVERED if live else None
    if qc.channels[channel] or qc.status == WITHDRAWN:
        return Code.WITHDRAWN
    if qc.status == EXPIRED or qc.valid_until < on:
        return Code.EXPIRED
    if qc.status != SIGNED or qc.valid_from > on:
        return Code.NO_CONSENT
    return Code.CONSENTED


def _facts(asset_ids: list[int]) -> _Facts:
    facts = _Facts()
    if not asset_ids:
        return facts
    collections: dict[int, str | None] = {}
    for asset_id, restricted, collection in db.session.execute(
            select(Asset.id, Asset.is_restricted, Asset.collection)
            .where(Asset.id.in_(asset_ids))):
        collections[asset_id] = collection
        if restricted:
            facts.restricted.add(asset_id)
    person_ids: set[int] = set()
    for face_id, asset_id, top, right, bottom, left, person_id in db.session.execute(
            select(Face.id, Face.asset_id, Face.top, Face.right, Face.bottom, Face.left,
                   Face.person_id)
            .where(Face.asset_id.in_(asset_ids), Face.is_not_a_face.is_(False))
            .order_by(Face.asset_id, Face.left)):
        facts.faces[asset_id].append((face_id, (top, right, bottom, left), person_id))
        if person_id is not None:
            person_ids.add(person_id)
    _holds(facts, asset_ids, collections, person_ids)
    if not person_ids:
        return facts
    facts.erased = set(db.session.scalars(select(Person.id).where(
        Person.id.in_(person_ids), or_(Person.is_suppressed.is_(True),
                                       Person.erased_at.is_not(None)))))
    facts.erasure_pending = set(db.session.scalars(select(SubjectRequest.person_id).where(
        SubjectRequest.person_id.in_(person_ids),
        SubjectRequest.type == RequestType.ERASURE.value,
        SubjectRequest.status.in_(OPEN_REQUEST))))
    rows = db.session.execute(
        select(Quitclaim.id, Quitclaim.person_id, QuitclaimAsset.asset_id, Quitclaim.status,
               Quitclaim.valid_from, Quitclaim.valid_until, QuitclaimChannel.channel,
               QuitclaimChannel.withdrawn_at)
        .join(QuitclaimAsset, QuitclaimAsset.quitclaim_id == Quitclaim.id)
        .outerjoin(QuitclaimChannel, QuitclaimChannel.quitclaim_id == Quitclaim.id)
        .where(QuitclaimAsset.asset_id.in_(asset_ids), Quitclaim.person_id.in_(person_ids))
        .order_by(Quitclaim.id))
    grouped: dict[tuple[int, int], _Quitclaim] = {}
    for qc_id, pid, asset_id, qc_status, valid_from, valid_until, channel, withdrawn in rows:
        entry = grouped.get((qc_id, asset_id))
        if entry is None:
            entry = grouped[(qc_id, asset_id)] = _Quitclaim(qc_id, qc_status, valid_from,
                                                            valid_until)
            facts.quitclaims[(pid, asset_id)].append(entry)
        if channel is not None:
            entry.channels[channel] = withdrawn is not None
    return facts


def _holds(facts: _Facts, asset_ids: list[int], collections: dict[int, str | None],
           person_ids: set[int]) -> None:
    """Assets under an active legal hold: on the asset, its collection or a person on it."""
    names = {c for c in collections.values() if c}
    holds = db.session.execute(select(LegalHold.asset_id, LegalHold.collection,
                                      LegalHold.person_id).where(
        LegalHold.released_at.is_(None),
        or_(LegalHold.asset_id.in_(asset_ids), LegalHold.collection.in_(names),
            LegalHold.person_id.in_(person_ids)))).all()
    for asset_id, collection, person_id in holds:
        for candidate in asset_ids:
            on_asset = asset_id == candidate
            in_collection = collection is not None and collections.get(candidate) == collection
            has_person = person_id is not None and any(
                pid == person_id for _f, _b, pid in facts.faces.get(candidate, []))
            if on_asset or in_collection or has_person:
                facts.held.add(candidate)
