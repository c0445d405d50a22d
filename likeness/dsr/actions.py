"""Acting on a request, per type. Each action is idempotent and audited.

Nothing is done on an unconfirmed match: only faces staff confirmed count.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.dsr import casework, identity, locate, objection
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.faces import index
from likeness.library import sharing
from likeness.library.renditions import invalidate
from likeness.models import (
    Asset,
    Channel,
    Face,
    Person,
    Quitclaim,
    QuitclaimStatus,
    RequestAction,
    RequestStatus,
    RequestType,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit, outbox
from likeness.platform.actor import Actor
from likeness.platform.storage import asset_path
from likeness.platform.uow import after_commit, use_case

DONE = "done"


@use_case
def perform(request_id: int, *, actor: Actor, decision: str = "") -> SubjectRequest:
    """Carry out what the request asks, on the confirmed matches; then queue the response."""
    request = casework.get(request_id)
    if request.status not in casework.OPEN_STATES:
        raise InvalidInput(_("This request is closed."))
    if _already_done(request):
        return request  # a second press changes nothing
    handler = {
        RequestType.ACCESS.value: _access,
        RequestType.PORTABILITY.value: _access,
        RequestType.ERASURE.value: _erasure,
        RequestType.OBJECTION.value: _objection,
        RequestType.RESTRICTION.value: _restriction,
        RequestType.RECTIFICATION.value: _rectification,
        RequestType.WITHDRAWAL.value: _withdrawal,
    }[request.type]
    identity.require_established(request)
    handler(request, actor, decision)
    casework.record_action(request, DONE, f"{request.type} carried out")
    casework.set_status(request, RequestStatus.IN_PROGRESS.value, actor=actor)
    outbox.add("render_response", request.id)
    audit.record(f"request.{request.type}_performed", actor=actor,
                 subject=f"request:{request.id}")
    return request


def _already_done(request: SubjectRequest) -> bool:
    return db.session.scalar(select(RequestAction.id).where(
        RequestAction.request_id == request.id, RequestAction.kind == DONE).limit(1)) is not None


def _confirmed_assets(request: SubjectRequest) -> list[tuple[Face, Asset, str | None]]:
    return [(face, asset, match.erasure_choice)
            for match, face, asset in locate.confirmed(request.id)]


def _access(request: SubjectRequest, actor: Actor, decision: str) -> None:
    count = len(_confirmed_assets(request))
    casework.record_action(request, "disclosed", _("%(n)d photo(s) disclosed, other people "
                                                    "blurred", n=count))
    audit.record("request.disclosure_prepared", actor=actor,
                 subject=f"request:{request.id}", details={"photos": count})


def _erasure(request: SubjectRequest, actor: Actor, decision: str) -> None:
    confirmed = _confirmed_assets(request)
    person = db.session.get(Person, request.person_id) if request.person_id else None
    faces: dict[int, Face] = {face.id: face for face, _asset, _choice in confirmed}
    if person is not None:
        faces.update({f.id: f for f in db.session.scalars(
            select(Face).where(Face.person_id == person.id))})
    removed_templates = [f.id for f in faces.values() if f.template_ciphertext is not None]
    asset_ids: set[int] = set()
    deleted_assets: list[Asset] = []
    for face in faces.values():
        asset_ids.add(face.asset_id)
        face.person_id = None
        face.tag_source = None
        face.tagged_by_id = None
        face.template_ciphertext = None
        face.template_key_version = None
        face.is_always_blurred = True  # blurred in every rendition from now on
    for face, asset, choice in confirmed:
        others = [f for f in asset.faces if f.id != face.id and not f.is_not_a_face]
        if choice == "delete" and not others:
            deleted_assets.append(asset)
    if removed_templates:
        index.record_change(removed=removed_templates)
    revoked = sharing.revoke_for_assets(asset_ids, _all_channels(), reason="erasure",
                                        actor=actor)
    if person is not None:
        person.is_suppressed = True
        person.erased_at = utcnow()
        kept = db.session.scalars(select(Quitclaim).where(
            Quitclaim.person_id == person.id)).all()
        for quitclaim in kept:
            if quitclaim.status == QuitclaimStatus.SIGNED.value:
                withdrawal.withdraw(quitclaim.id, actor=actor)
        if kept:
            casework.record_action(
                request, "kept_quitclaims",
                _("%(n)d signed quitclaim(s) kept as evidence for legal claims "
                  "(Art. 17(3)(e)); they are not used for anything else.", n=len(kept)),
                exception=True)
    casework.record_action(request, "untagged",
                           _("%(n)d face(s) untagged and blurred in every copy", n=len(faces)))
    casework.record_action(request, "templates_deleted",
                           _("%(n)d face template(s) deleted", n=len(removed_templates)))
    casework.record_action(request, "shares_revoked",
                           _("%(n)d share link(s) revoked; recipients notified (Art. 19)",
                             n=len(revoked)))
    if person is not None:
        casework.record_action(request, "suppressed",
                               _("Added to the suppression list: your face is not "
                                 "tagged or suggested again"))
    if decision.strip():
        # Staff's own Art. 17(3) exception (e.g. a photo kept for an archive in the public
        # interest), with the reason they give: listed under "What we kept, and why".
        casework.record_action(request, "exception", decision.strip()[:2000], exception=True)
    for asset in deleted_assets:
        # File and renditions go after the commit: never a row without its file.
        after_commit(_remover(asset.id, asset.sha256))
        db.session.delete(asset)
    if deleted_assets:
        casework.record_action(request, "photos_deleted",
                               _("%(n)d photo(s) in which only you appear deleted",
                                 n=len(deleted_assets)))
    for asset_id in asset_ids - {a.id for a in deleted_assets}:
        # After the commit: a rendition made in between would show the face again.
        after_commit(functools.partial(invalidate, asset_id))
    audit.record("request.erasure", actor=actor, subject=f"request:{request.id}",
                 details={"faces": len(faces), "templates": len(removed_templates),
                          "assets_deleted": len(deleted_assets), "shares": len(revoked)})


def _remover(asset_id: int, sha256: str) -> Callable[[], None]:
    def remove() -> None:
        asset_path(sha256).unlink(missing_ok=True)
        invalidate(asset_id)

    return remove


def _restrict(request: SubjectRequest, actor: Actor, reason: str) -> int:
    assets = {asset.id: asset for _f, asset, _c in _confirmed_assets(request)}
    for asset in assets.values():
        asset.is_restricted = True
        asset.restricted_reason = reason
    sharing.revoke_for_assets(assets, _all_channels(), reason=reason, actor=actor)
    return len(assets)


def _objection(request: SubjectRequest, actor: Actor, decision: str) -> None:
    count = _restrict(request, actor, objection.RESTRICTION_REASON)
    casework.record_action(request, "restricted",
                           _("%(n)d photo(s) restricted while we decide", n=count))
    if request.person_id:
        _withdraw_all(request, actor)
    if decision.strip():
        casework.record_action(request, "decision", decision.strip()[:2000])


def _restriction(request: SubjectRequest, actor: Actor, decision: str) -> None:
    count = _restrict(request, actor, "restriction (Art. 18)")
    casework.record_action(request, "restricted", _("%(n)d photo(s) restricted", n=count))


def _rectification(request: SubjectRequest, actor: Actor, decision: str) -> None:
    if not decision.strip():
        raise InvalidInput(_("Describe what was corrected."))
    casework.record_action(request, "rectified", decision.strip()[:2000])


def _withdrawal(request: SubjectRequest, actor: Actor, decision: str) -> None:
    _withdraw_all(request, actor)


def _withdraw_all(request: SubjectRequest, actor: Actor) -> None:
    """Consent-based use ends: every active quitclaim of the person is withdrawn."""
    active = db.session.scalars(select(Quitclaim).where(
        Quitclaim.person_id == request.person_id,
        Quitclaim.status == QuitclaimStatus.SIGNED.value)).all()
    for quitclaim in active:
        withdrawal.withdraw(quitclaim.id, actor=actor)
    casework.record_action(request, "consent_withdrawn",
                           _("%(n)d quitclaim(s) withdrawn", n=len(active)))


def _all_channels() -> list[str]:
    return [c.value for c in Channel]
