"""May this photo be used on this channel? Per asset and per face, with reasons.

One domain function, `decide`, for the API's single and bulk checks. It reads the facts
of a whole batch in three set-based queries (assets, faces with their people, quitclaims)
and explains each face with reason codes. A face is allowed exactly where the library's
light (likeness.library.consent_status) is not red: a quitclaim in force names the asset
and the channel, not withdrawn there, for a person neither erased nor on a restricted
photo. The library reads its lights with its own queries; a test compares both on every
channel and case, so this module does not derive the lights a second time.
Closed by default: a face nobody has identified is `unknown`, a photo whose faces are not
detected yet is `unknown`, and anything not proven consented is `denied`; never `allowed`
for want of a fact.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql

from likeness.extensions import db
from likeness.models import (
    Asset,
    AssetStatus,
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
SIGNED, WITHDRAWN, EXPIRED = (QuitclaimStatus.SIGNED, QuitclaimStatus.WITHDRAWN,
                              QuitclaimStatus.EXPIRED)
INDEXED = AssetStatus.INDEXED
OPEN_REQUEST = (RequestStatus.AWAITING_VERIFICATION, RequestStatus.OPEN,
                RequestStatus.INFO_REQUESTED, RequestStatus.IN_PROGRESS)


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


# The decision's classes are slotted dataclasses whose fields are the API's (see
# api/schemas.py): orjson writes them as JSON objects in C, so a bulk answer of ten
# thousand faces is not copied into dicts first.
@dataclass(slots=True)
class Reason:  # made ten thousand times in a bulk check
    code: Code
    person_ref: str | None = None
    quitclaim_id: int | None = None
    valid_until: date | None = None


@dataclass(slots=True)
class FaceBox:
    """Where the face is, in pixels (dlib's order)."""

    top: int
    right: int
    bottom: int
    left: int


# Globals: an enum's class attribute costs ten times more per face. Person-less reasons shared.
ALLOWED, DENIED, UNKNOWN = Decision.ALLOWED, Decision.DENIED, Decision.UNKNOWN
CONSENTED = Code.CONSENTED
BLURRED_REASON, UNKNOWN_FACE_REASON = Reason(Code.BLURRED), Reason(Code.UNKNOWN_FACE)
RESTRICTED_REASON, LEGAL_HOLD_REASON = Reason(Code.RESTRICTED), Reason(Code.LEGAL_HOLD)
NOT_INDEXED_REASON = Reason(Code.NOT_INDEXED)


@dataclass(slots=True)
class FaceDecision:
    face_id: int
    box: FaceBox
    decision: Decision
    reasons: list[Reason]
    valid_until: date | None = None


@dataclass(slots=True)
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
    """What the lights and the reasons need, for a batch of assets (three queries)."""

    restricted: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    indexed: set[int] = field(default_factory=set)
    faces: dict[int, list[tuple[int, FaceBox, int | None]]] = field(
        default_factory=lambda: defaultdict(list))
    blurred: set[int] = field(default_factory=set)
    suppressed: set[int] = field(default_factory=set)  # red everywhere (the library's rule)
    erased: set[int] = field(default_factory=set)  # suppressed, or erased
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
    facts = _facts(asset_ids, channels)
    result = {}
    for asset_id in asset_ids:
        for channel in channels:
            result[(asset_id, channel)] = _decide_one(asset_id, channel, facts, on, checked_at)
    return result


def _decide_one(asset_id: int, channel: str, facts: _Facts, on: date,
                checked_at: datetime) -> AssetDecision:
    restricted, held = asset_id in facts.restricted, asset_id in facts.held
    indexed = asset_id in facts.indexed
    asset_reasons: list[Reason] = []
    if restricted:
        asset_reasons.append(RESTRICTED_REASON)
    if held:
        asset_reasons.append(LEGAL_HOLD_REASON)
    if not indexed:
        asset_reasons.append(NOT_INDEXED_REASON)
    faces = []
    decisions = set()
    until: date | None = None
    blurred = facts.blurred
    for face_id, box, person_id in facts.faces.get(asset_id, ()):
        face = _face(face_id, box, person_id, face_id in blurred, asset_id, channel, facts, on)
        faces.append(face)
        decisions.add(face.decision)
        if face.valid_until is not None and (until is None or face.valid_until < until):
            until = face.valid_until
    if restricted or held or DENIED in decisions:
        decision = DENIED
    elif not indexed or UNKNOWN in decisions:
        decision = UNKNOWN
    else:
        decision = ALLOWED
    return AssetDecision(asset_id, channel, decision, asset_reasons, faces, checked_at,
                         until if decision is ALLOWED else None)


def _face(face_id: int, box: FaceBox, person_id: int | None, blurred: bool, asset_id: int,
          channel: str, facts: _Facts, on: date) -> FaceDecision:
    if blurred:
        return FaceDecision(face_id, box, ALLOWED, [BLURRED_REASON])
    if person_id is None:
        return FaceDecision(face_id, box, UNKNOWN, [UNKNOWN_FACE_REASON])
    ref = person_ref(person_id)
    if person_id in facts.erased:
        return FaceDecision(face_id, box, DENIED, [Reason(Code.ERASED, ref)])
    # Facts that block even a valid quitclaim.
    blockers = []
    if person_id in facts.erasure_pending:
        blockers.append(Reason(Code.ERASURE_PENDING, ref))
    if asset_id in facts.restricted:
        blockers.append(Reason(Code.RESTRICTED, ref))
    consented: Reason | None = None
    missing: list[Reason] = []  # quitclaims that do not cover it, and why
    for qc in facts.quitclaims.get((person_id, asset_id), ()):
        code = _quitclaim_code(qc, channel, on)
        if code is None:
            continue
        reason = Reason(code, ref, qc.id, qc.valid_until)
        if code is not CONSENTED:
            missing.append(reason)
        elif consented is None or qc.valid_until > (consented.valid_until or date.min):
            consented = reason
    if consented is not None:
        if not blockers:
            return FaceDecision(face_id, box, ALLOWED, [consented], consented.valid_until)
        return FaceDecision(face_id, box, DENIED, [consented, *blockers])
    return FaceDecision(face_id, box, DENIED,
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


@functools.cache
def _queries(dialect: str) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The three queries, built once per database kind (building a statement cost more
    than running it for a single check). Lists are bound as one array on PostgreSQL
    (`= ANY(:ids)`: a thousand ids are one parameter, not a thousand to parse) and as
    expanding lists elsewhere."""

    def among(column: Any, name: str, item: Any) -> ColumnElement[bool]:
        if dialect == "postgresql":
            return cast(ColumnElement[bool],
                        column == any_(bindparam(name, type_=postgresql.ARRAY(item))))
        return cast(ColumnElement[bool], column.in_(bindparam(name, expanding=True)))

    hold = LegalHold.released_at.is_(None)
    # Plain values, not converted per row (to an enum, to UTC), where a test suffices.
    assets = (
        select(Asset.id, Asset.is_restricted, Asset.status == INDEXED,
               # Legal holds are few: tested per asset (on it, or on its collection).
               exists(select(LegalHold.id).where(hold, or_(
                   LegalHold.asset_id == Asset.id,
                   and_(LegalHold.collection.is_not(None),
                        LegalHold.collection == Asset.collection)))))
        .where(among(Asset.id, "ids", Integer)))
    # Per person, joined once (hash joins on a large batch): open erasure requests and
    # holds on the person.
    pending = (select(SubjectRequest.person_id).where(
        SubjectRequest.type == RequestType.ERASURE,
        SubjectRequest.status.in_(OPEN_REQUEST), SubjectRequest.person_id.is_not(None))
        .distinct().subquery())
    person_held = (select(LegalHold.person_id).where(hold, LegalHold.person_id.is_not(None))
                   .distinct().subquery())
    faces = (
        select(Face.id, Face.asset_id, Face.top, Face.right, Face.bottom, Face.left,
               Face.person_id, Face.is_always_blurred, Person.is_suppressed,
               Person.erased_at.is_not(None), pending.c.person_id, person_held.c.person_id)
        .outerjoin(Person, Person.id == Face.person_id)
        .outerjoin(pending, pending.c.person_id == Face.person_id)
        .outerjoin(person_held, person_held.c.person_id == Face.person_id)
        .where(among(Face.asset_id, "ids", Integer), Face.is_not_a_face.is_(False))
        .order_by(Face.asset_id, Face.left))
    # Every quitclaim naming these assets, whatever its state (reasons explain dead ones),
    # with its asked channels (none: `channel_not_covered`). Not filtered by person: the
    # generic plan PostgreSQL keeps after a few single checks then tested each row against
    # the whole id list (seconds for 1,000); quitclaims of untagged people go unread.
    quitclaims = (
        select(Quitclaim.id, Quitclaim.person_id, QuitclaimAsset.asset_id,
               type_coerce(Quitclaim.status, String), Quitclaim.valid_from,
               Quitclaim.valid_until, type_coerce(QuitclaimChannel.channel, String),
               QuitclaimChannel.withdrawn_at.is_not(None))
        .select_from(QuitclaimAsset)
        .join(Quitclaim, Quitclaim.id == QuitclaimAsset.quitclaim_id)
        .outerjoin(QuitclaimChannel, and_(
            QuitclaimChannel.quitclaim_id == Quitclaim.id,
            among(QuitclaimChannel.channel, "channels", String)))
        .where(among(QuitclaimAsset.asset_id, "ids", Integer))
        .order_by(Quitclaim.id))
    return assets, faces, quitclaims


def _facts(asset_ids: list[int], channels: list[str]) -> _Facts:
    facts = _Facts()
    if not asset_ids:
        return facts
    # Core execution on the session's connection: plain rows, no ORM machinery.
    connection = db.session.connection()
    assets, faces, quitclaims = _queries(connection.dialect.name)
    for asset_id, restricted, indexed, is_held in connection.execute(
            assets, {"ids": asset_ids}).all():
        if restricted:
            facts.restricted.add(asset_id)
        if is_held:
            facts.held.add(asset_id)
        if indexed:
            facts.indexed.add(asset_id)
    person_ids = _read_faces(facts, connection.execute(faces, {"ids": asset_ids}).all())
    if person_ids:
        _read_quitclaims(facts, connection.execute(
            quitclaims, {"ids": asset_ids, "channels": channels}).all())
    return facts


def _read_faces(facts: _Facts, rows: Any) -> set[int]:
    """Each face with its box and person, and what blocks the person; returns the people."""
    person_ids: set[int] = set()
    for (face_id, asset_id, top, right, bottom, left, person_id, blurred, suppressed,
         erased, erasure, on_hold) in rows:
        facts.faces[asset_id].append((face_id, FaceBox(top, right, bottom, left), person_id))
        if blurred:
            facts.blurred.add(face_id)
        if on_hold is not None:
            facts.held.add(asset_id)
        if person_id is None:
            continue
        person_ids.add(person_id)
        if suppressed:
            facts.suppressed.add(person_id)
        if suppressed or erased:
            facts.erased.add(person_id)
        if erasure is not None:
            facts.erasure_pending.add(person_id)
    return person_ids


def _read_quitclaims(facts: _Facts, rows: Any) -> None:
    """The quitclaims per (person, asset), each with the channels asked and withdrawn."""
    grouped: dict[tuple[int, int], _Quitclaim] = {}
    for qc_id, pid, asset_id, qc_status, valid_from, valid_until, channel, withdrawn in rows:
        entry = grouped.get((qc_id, asset_id))
        if entry is None:
            entry = grouped[(qc_id, asset_id)] = _Quitclaim(qc_id, qc_status, valid_from,
                                                            valid_until)
            facts.quitclaims[(pid, asset_id)].append(entry)
        if channel is not None:
            entry.channels[channel] = bool(withdrawn)
