"""Ending an Art. 18 restriction: the person who obtained it is told before it is lifted
(Art. 18(3)), with the reason; then the photos restricted for their request may be used
again. (An objection's restriction ends with its decision: `dsr.objection`.)"""

from __future__ import annotations

import functools

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.dsr import casework, locate
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.library.renditions import invalidate
from likeness.models import Asset, RequestAction, RequestType, SubjectRequest, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.jobs import job
from likeness.platform.uow import after_commit, use_case

REASON = "restriction (Art. 18)"  # `Asset.restricted_reason` of these photos
# The step of a rectification request whose photos were restricted while the accuracy
# was checked (Art. 18(1)(a), `likeness.dsr.rectification`): lifted the same way.
CONTESTED = "restricted_while_contested"


def can_lift(request: SubjectRequest) -> bool:
    """A restriction request, or a rectification request restricted while the accuracy
    was checked, that was answered and whose restriction still holds."""
    restricted = request.type == RequestType.RESTRICTION or (
        request.type == RequestType.RECTIFICATION and db.session.scalar(
            select(RequestAction.id).where(RequestAction.request_id == request.id,
                                           RequestAction.kind == CONTESTED).limit(1))
        is not None)
    return (restricted
            and request.answer_sent_at is not None and request.restriction_lifted_at is None
            and request.restriction_lift_reason is None)


@use_case
def lift(request_id: int, reason: str, *, actor: Actor) -> SubjectRequest:
    """Tell the person that, and why, the restriction ends; the photos are released once
    that message was sent (by post: at once, staff having sent the letter)."""
    request = casework.get(request_id)
    if not can_lift(request):
        raise InvalidInput(_("Only the restriction of an answered restriction request can "
                             "be lifted, once."))
    reason = reason.strip()
    if len(reason) < 20:
        raise InvalidInput(_("Give the reason the restriction ends (for example: the "
                             "accuracy of the data was verified); the person is told it."),
                           field="reason")
    request.restriction_lift_reason = reason[:5000]
    then = (release, [request.id])
    if request.email and request.email_verified_at is not None:
        mail.queue_email(request.email, "restriction_lifting", language=request.language,
                         request=request, then=then)
    else:
        release.later(request.id)  # answered by post: staff wrote the letter
    audit.record("request.restriction_lift_announced", actor=actor,
                 subject=f"request:{request.id}")
    return request


@job
@use_case
def release(request_id: int) -> None:
    """Job, after the person was told: the photos may be used again. Idempotent."""
    request = casework.get(request_id)
    if request.restriction_lifted_at is not None:
        return
    assets = {a.id: a for _m, _f, a in locate.confirmed(request.id)}
    lifted = 0
    for asset in assets.values():
        if not _restricted_for_this(asset):
            continue
        asset.is_restricted = False
        asset.restricted_reason = None
        lifted += 1
        after_commit(functools.partial(invalidate, asset.id))
    request.restriction_lifted_at = utcnow()
    casework.record_action(request, "restriction_lifted", count=lifted)
    audit.record("request.restriction_lifted", actor=SYSTEM, subject=f"request:{request.id}",
                 details={"photos": lifted})
    db.session.flush()


def _restricted_for_this(asset: Asset) -> bool:
    return asset.is_restricted and asset.restricted_reason == REASON \
        and not asset.is_held_as_erased
