"""Acting on a request, per type. Each action is idempotent and audited.

Nothing is done on an unconfirmed match: only faces staff confirmed count, and nothing at
all until the requester's identity is established (`likeness.dsr.identity`) and, for
requests about photos, a search ran (`likeness.dsr.readiness`). The answer is
then drafted by a job, and staff send it after reviewing it (`likeness.dsr.answer`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.dsr import (
    answer,
    casework,
    erasure,
    locate,
    objection,
    objection_scope,
    readiness,
    rectification,
    restriction,
)
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.integrations import events
from likeness.library import disclosures
from likeness.models import (
    Asset,
    Channel,
    Quitclaim,
    QuitclaimStatus,
    RequestStatus,
    RequestType,
    SubjectRequest,
    TakedownReason,
)
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

DONE = casework.CARRIED_OUT


@use_case
def perform(request_id: int, *, actor: Actor, decision: str = "") -> SubjectRequest:
    """Carry out what the request asks, on the confirmed matches; then draft the answer."""
    request = casework.get(request_id)
    if request.status not in casework.OPEN_STATES:
        raise InvalidInput(_("This request is closed."))
    if casework.carried_out(request.id):
        return request  # a second press changes nothing
    handlers: dict[str, Callable[[SubjectRequest, Actor, str], None]] = {
        RequestType.ACCESS: _access,
        RequestType.PORTABILITY: _access,
        RequestType.ERASURE: erasure.carry_out,
        RequestType.OBJECTION: _objection,
        RequestType.RESTRICTION: _restriction,
        RequestType.RECTIFICATION: _rectification,
        RequestType.WITHDRAWAL: _withdrawal,
    }
    handler = handlers[request.type]
    readiness.require_carry_out(request)
    handler(request, actor, decision)
    casework.record_action(request, DONE, f"{request.type} carried out")
    # The selfie served the search only: once the request is carried out it goes.
    casework.forget_selfie(request, actor=actor, reason="carried out")
    casework.set_status(request, RequestStatus.IN_PROGRESS, actor=actor)
    answer.render_answer.later(request.id)
    audit.record(f"request.{request.type}_performed", actor=actor,
                 subject=f"request:{request.id}")
    return request


def _confirmed_assets(request: SubjectRequest) -> dict[int, Asset]:
    return {asset.id: asset for _match, _face, asset in locate.confirmed(request.id)}


def _access(request: SubjectRequest, actor: Actor, decision: str) -> None:
    count = len(_confirmed_assets(request))
    casework.record_action(request, "disclosed", count=count)
    audit.record("request.disclosure_prepared", actor=actor,
                 subject=f"request:{request.id}", details={"photos": count})


def _restrict(request: SubjectRequest, actor: Actor, reason: str,
              takedown: TakedownReason) -> int:
    assets = _confirmed_assets(request)
    for asset in assets.values():
        asset.is_restricted = True
        asset.restricted_reason = reason
    disclosures.take_down(assets, [c.value for c in Channel], reason=takedown, actor=actor,
                          request_id=request.id, note=reason)
    events.subject_changed("subject.restricted", person_id=request.person_id,
                           asset_ids=list(assets), reason=takedown.value)
    return len(assets)


def _objection(request: SubjectRequest, actor: Actor, decision: str) -> None:
    """Only what the confirmed scope covers (`likeness.dsr.objection_scope`)."""
    if objection_scope.covers_all(request):
        count = _restrict(request, actor, objection.RESTRICTION_REASON,
                          TakedownReason.OBJECTION)
        casework.record_action(request, "restricted_while_deciding", count=count)
        if request.person_id:
            _withdraw_all(request, actor)
    else:
        objection.stop_consented_use(request, actor)
    if decision.strip():
        casework.record_action(request, "decision", decision.strip()[:2000])


def _restriction(request: SubjectRequest, actor: Actor, decision: str) -> None:
    count = _restrict(request, actor, restriction.REASON, TakedownReason.RESTRICTION)
    casework.record_action(request, "restricted", count=count)


def _rectification(request: SubjectRequest, actor: Actor, decision: str) -> None:
    # The fields corrected on the case page are steps of the answer already (Art. 16).
    if not decision.strip() and not rectification.corrections(request.id):
        raise InvalidInput(_("Correct the record on the case page, or describe what was "
                             "corrected."))
    if decision.strip():
        casework.record_action(request, "rectified", decision.strip()[:2000])
    # Recipients get the correction too (Art. 19).
    disclosures.take_down(_confirmed_assets(request), [c.value for c in Channel],
                          reason=TakedownReason.RECTIFICATION, actor=actor,
                          request_id=request.id)


def _withdrawal(request: SubjectRequest, actor: Actor, decision: str) -> None:
    _withdraw_all(request, actor)


def _withdraw_all(request: SubjectRequest, actor: Actor) -> None:
    """Consent-based use ends: every active quitclaim of the person is withdrawn."""
    active = db.session.scalars(select(Quitclaim).where(
        Quitclaim.person_id == request.person_id,
        Quitclaim.status == QuitclaimStatus.SIGNED)).all()
    for quitclaim in active:
        withdrawal.withdraw(quitclaim.id, actor=actor)
    casework.record_action(request, "consent_withdrawn", count=len(active))
