"""May this photo be used on this channel? Per asset and per face, with reasons.

One domain function, `decide`, for the API's single and bulk checks (`decide_registered`
for one asset by the image bank's id). The facts of a whole batch come in three set-based
queries (likeness.integrations.permission_facts); this module explains each face with
reason codes. A face is allowed exactly where the library's
light (likeness.library.consent_status) is not red: a quitclaim in force names the asset
and the channel, not withdrawn there, for a person neither erased nor on a restricted
photo. The library reads its lights with its own queries; a test compares both on every
channel and case, so this module does not derive the lights a second time.
Closed by default: a face nobody has identified is `unknown`, a photo whose faces are not
detected yet is `unknown`, and anything not proven consented is `denied`; never `allowed`
for want of a fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from likeness.integrations import permission_facts
from likeness.integrations.permission_facts import FaceBox, Facts, QuitclaimFacts
from likeness.models import QuitclaimStatus, utcnow
from likeness.platform.clock import today as amsterdam_today

# Plain strings: enum attribute access is slow in the per-face loops of a bulk check.
SIGNED, WITHDRAWN, EXPIRED = (QuitclaimStatus.SIGNED, QuitclaimStatus.WITHDRAWN,
                              QuitclaimStatus.EXPIRED)


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


def person_ref(person_id: int) -> str:
    """The opaque reference an image bank sees for a person (never a name)."""
    return f"person:{person_id}"


def decide(asset_ids: list[int], channels: list[str], *,
           on: date | None = None) -> dict[tuple[int, str], AssetDecision]:
    """The decision for every (asset, channel) pair."""
    on = on or amsterdam_today()
    checked_at = utcnow()
    facts = permission_facts.read(asset_ids, channels)
    result = {}
    for asset_id in asset_ids:
        for channel in channels:
            result[(asset_id, channel)] = _decide_one(asset_id, channel, facts, on, checked_at)
    return result


def decide_registered(integration_id: int, external_id: str, channel: str, *,
                      on: date | None = None) -> AssetDecision | None:
    """The decision for the asset an image bank knows as `external_id` (None: no such
    asset). The same three queries as `decide`, each finding the asset by the image
    bank's id itself: a single check needs no statement of its own for the lookup."""
    on = on or amsterdam_today()
    checked_at = utcnow()
    facts = permission_facts.read([], [channel], registered=(integration_id, external_id))
    if not facts.found:
        return None
    return _decide_one(facts.found[0], channel, facts, on, checked_at)


def _decide_one(asset_id: int, channel: str, facts: Facts, on: date,
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
          channel: str, facts: Facts, on: date) -> FaceDecision:
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


def _quitclaim_code(qc: QuitclaimFacts, channel: str, on: date) -> Code | None:
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
