"""Carrying out and deciding an objection (Art. 21), for what it covers only
(`likeness.dsr.objection_scope`).

An objection to use on some channels, or to face recognition, ends as a withdrawal of
consent does (`stop_consented_use`): final, no decision. An objection to every use
restricts the confirmed photos at once (Art. 18(1)(d)) while staff decide. The decision
is then one of two:

* upheld: the erasure effects for the confirmed photos: the faces are untagged, blurred
  in every copy from now on, and every template of the person is deleted (and no new
  one made: "no biometrics");
* rejected: the compelling legitimate grounds are stated, and the person is told them.

Either way a new answer goes to the person, and the restriction is lifted only after
that answer has been sent (Art. 18(3): the person is told before a restriction ends).
"""

from __future__ import annotations

import functools

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.dsr import casework, locate, objection_scope
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.faces import templates
from likeness.integrations import events
from likeness.library import erasing, people
from likeness.library.renditions import invalidate
from likeness.models import (
    Asset,
    Face,
    ObjectionDecision,
    Quitclaim,
    QuitclaimStatus,
    RequestAction,
    RequestType,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.jobs import job
from likeness.platform.uow import after_commit, use_case

RESTRICTION_REASON = "objection (Art. 21), restricted per Art. 18(1)(d)"


@use_case
def decide(request_id: int, *, upheld: bool, grounds: str = "",
           actor: Actor) -> SubjectRequest:
    """Uphold or reject a carried-out objection; a new answer is prepared."""
    request = casework.get(request_id)
    if request.type != RequestType.OBJECTION:
        raise InvalidInput(_("Only an objection is decided this way."))
    if not _carried_out(request):
        raise InvalidInput(_("Carry out the objection first: that restricts the photos "
                             "while you decide."))
    if request.objection_decision:
        raise InvalidInput(_("This objection was already decided."))
    if not objection_scope.needs_decision(request):
        raise InvalidInput(_("This objection covers only consent-based use: it was carried "
                             "out as a withdrawal, which needs no decision."))
    grounds = grounds.strip()
    if not upheld and not grounds:
        raise InvalidInput(_("Rejecting an objection needs the compelling legitimate "
                             "grounds, which the person is told."))
    if upheld:
        _erase_confirmed_faces(request, actor)
        casework.record_action(request, "objection_upheld")
    else:
        casework.record_action(request, "objection_rejected", grounds[:2000], exception=True)
    request.objection_decision = (ObjectionDecision.UPHELD if upheld
                                  else ObjectionDecision.REJECTED)
    request.objection_grounds = grounds[:5000] or None
    # A new answer; its email lifts the restriction once it has been sent.
    casework.draft_new_answer(request)
    audit.record("request.objection_decided", actor=actor, subject=f"request:{request.id}",
                 details={"upheld": upheld, "scope": request.objection_scope or []})
    return request


def restriction_to_lift(request: SubjectRequest) -> bool:
    """The answer about to be sent tells the person their restriction ends."""
    return bool(request.objection_decision) and request.restriction_lifted_at is None


@job
@use_case
def lift_restriction(request_id: int) -> None:
    """Job (queued when the decision's answer was sent): the restricted photos may be
    used again. Idempotent."""
    request = casework.get(request_id)
    if request.restriction_lifted_at is not None:
        return
    lifted = 0
    unrestricted = []
    for asset in _restricted_assets(request):
        if asset.is_held_as_erased:
            continue  # held for another reason: a privacy officer releases it
        asset.is_restricted = False
        asset.restricted_reason = None
        lifted += 1
        unrestricted.append(asset.id)
        after_commit(functools.partial(invalidate, asset.id))
    request.restriction_lifted_at = utcnow()
    events.subject_changed("subject.unrestricted", person_id=request.person_id,
                           asset_ids=unrestricted, reason="restriction_lifted")
    casework.record_action(request, "restriction_lifted", count=lifted)
    audit.record("request.restriction_lifted", actor=SYSTEM, subject=f"request:{request.id}",
                 details={"photos": lifted})


def _restricted_assets(request: SubjectRequest) -> list[Asset]:
    assets = {asset.id: asset for _m, _f, asset in locate.confirmed(request.id)}
    return [a for a in assets.values()
            if a.is_restricted and a.restricted_reason == RESTRICTION_REASON]


def _carried_out(request: SubjectRequest) -> bool:
    return db.session.scalar(select(RequestAction.id).where(
        RequestAction.request_id == request.id, RequestAction.kind == "done")
        .limit(1)) is not None


def _erase_confirmed_faces(request: SubjectRequest, actor: Actor) -> None:
    by_asset: dict[int, tuple[Asset, list[Face]]] = {}
    for _match, face, asset in locate.confirmed(request.id):
        by_asset.setdefault(asset.id, (asset, []))[1].append(face)
    confirmed = [face for _asset, faces in by_asset.values() for face in faces]
    templates.drop(confirmed, reason="objection upheld", actor=actor,
                   subject=f"request:{request.id}")
    for face in confirmed:
        face.person_id = None
        face.tag_source = None
        face.tagged_by_id = None
    for asset, faces in by_asset.values():
        erasing.burn_faces(asset, faces, actor=actor, request_id=request.id)
    if request.person_id is not None:
        people.set_no_biometrics(request.person_id, reason="objection upheld", actor=actor)


def stop_consented_use(request: SubjectRequest, actor: Actor) -> None:
    """An objection to use on some channels, or to face recognition: consent-based, so
    it ends as a withdrawal does (Art. 7(3)), for what it covers and nothing more."""
    stopped = set(objection_scope.channels(request))
    withdrawn_channels = 0
    quitclaims = [] if request.person_id is None else db.session.scalars(select(Quitclaim).where(
        Quitclaim.person_id == request.person_id,
        Quitclaim.status == QuitclaimStatus.SIGNED).order_by(Quitclaim.id)).all()
    for quitclaim in quitclaims:
        for channel in sorted(stopped):
            row = next((c for c in quitclaim.channels if c.channel == channel), None)
            if row is not None and row.withdrawn_at is None and \
                    quitclaim.status == QuitclaimStatus.SIGNED:
                withdrawal.withdraw(quitclaim.id, actor=actor, channel=channel)
                withdrawn_channels += 1
    if stopped:
        casework.record_action(request, "objection_channels_stopped",
                               ",".join(sorted(stopped)), count=withdrawn_channels)
    if objection_scope.covers_face_recognition(request):
        for quitclaim in quitclaims:
            if (quitclaim.status == QuitclaimStatus.SIGNED and quitclaim.biometric_consent
                    and quitclaim.biometric_withdrawn_at is None):
                withdrawal.withdraw(quitclaim.id, actor=actor, biometric_only=True)
        if request.person_id is not None:
            people.set_no_biometrics(request.person_id, reason="objection (Art. 21)",
                                     actor=actor)
        casework.record_action(request, "face_recognition_stopped")
