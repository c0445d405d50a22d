"""Retention schedules: what the next daily run deletes (the dry run), and the run itself.

`plan()` lists, per rule, exactly what is due and what a legal hold keeps; `execute()`
carries out a plan. The daily task plans and executes in one transaction, so the run
deletes what a dry run at the same moment lists, and each item once (a purged item no
longer qualifies). Legal holds keep everything but face templates: an archive keeps
photos, never biometric data.

Rules (periods in `likeness.cockpit.schedules`):
* `untagged_templates`: templates of faces untagged for N days (under policy `all` the
  face then gets no template again until it is tagged);
* `closed_requests`: requests closed N years ago reduced to reference, type, dates and
  outcome;
* `sent_emails`: stored outgoing emails N days after they were sent;
* `expired_quitclaim_photos`: photos of a quitclaim ended N days ago flagged for review;
* `quitclaim_evidence`: ended quitclaims (and their signed PDF) N years after the end;
* photos, people without a quitclaim, the disclosure register, the breach log, age
  answers, export ZIPs and backups: `likeness.cockpit.retention_records`;
* the audit log, from the start of the chain: `likeness.cockpit.audit_retention`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select

from likeness.cockpit import audit_retention, holds, minimise, retention_records, schedules
from likeness.cockpit.retention_items import OPEN_STATES, Item, RulePlan
from likeness.extensions import db
from likeness.faces import templates
from likeness.models import (
    AuditEvent,
    Face,
    Match,
    MatchDecision,
    OutgoingEmail,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimStatus,
    RequestStatusChange,
    ReviewFlag,
    SubjectRequest,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.clock import local_date
from likeness.platform.daily import daily_task
from likeness.platform.uow import use_case
from likeness.translation import lazy_gettext as _l

RULE_LABELS = {
    "untagged_templates": _l("Face templates of untagged faces"),
    "closed_requests": _l("Closed requests (reduced to a minimal record)"),
    "sent_emails": _l("Sent emails"),
    "expired_quitclaim_photos": _l("Photos of ended quitclaims (flagged for review)"),
    "quitclaim_evidence": _l("Ended quitclaims kept as evidence"),
}


def plan(now: datetime | None = None) -> list[RulePlan]:
    """What the next run deletes, per rule, and what a legal hold keeps (read-only)."""
    now = now or utcnow()
    held = _Held()
    return [
        _untagged_templates(now),
        _closed_requests(now, held),
        _sent_emails(now, held),
        _expired_quitclaim_photos(now, held),
        _quitclaim_evidence(now, held),
        *retention_records.plans(now, held),
        audit_retention.plan(now, held),
    ]


@use_case
def execute(plans: list[RulePlan], *, actor: Actor = SYSTEM) -> dict[str, int]:
    """Carry out a plan in the current unit of work; one audit event per rule that did
    something. Returns the counts per rule."""
    counts: dict[str, int] = {}
    for rule_plan in plans:
        if not rule_plan.due:
            counts[f"retention_{rule_plan.rule}"] = 0
            continue
        done = _ACTIONS[rule_plan.rule](rule_plan.due, actor)
        # An action that could do less than planned says how much it did.
        count = len(rule_plan.due) if done is None else done
        counts[f"retention_{rule_plan.rule}"] = count
        audit.record("retention.purged", actor=actor, details={
            "rule": rule_plan.rule, "count": count, "held": len(rule_plan.held),
            "period": rule_plan.period, "unit": rule_plan.unit,
            "items": [item.ref for item in rule_plan.due[:200]]})
    return counts


@daily_task("retention")
def run_retention(today: date) -> dict[str, int]:
    """The daily run's retention part: plan now, execute that plan."""
    return execute(plan())


def templates_purged_total() -> int:
    """Templates purged by retention since the installation began (from the audit log)."""
    events = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.action == "retention.purged"))
    return sum(int(d.get("count", 0)) for d in events
               if isinstance(d, dict) and d.get("rule") == "untagged_templates")


# --- the rules ------------------------------------------------------------------------


def _untagged_templates(now: datetime) -> RulePlan:
    days = schedules.value(schedules.UNTAGGED_TEMPLATE_DAYS)
    since = func.coalesce(Face.untagged_at, Face.created_at)
    rows = db.session.execute(select(Face.id, since).where(
        Face.template_ciphertext.is_not(None), Face.person_id.is_(None),
        since < now - timedelta(days=days)).order_by(Face.id)).all()
    # Holds never keep templates: no `held` list for this rule.
    return RulePlan("untagged_templates", RULE_LABELS["untagged_templates"], days, "days",
                    due=[Item(f"face:{face_id}", face_id, at) for face_id, at in rows])


def _closed_requests(now: datetime, held: _Held) -> RulePlan:
    years = schedules.value(schedules.CLOSED_REQUEST_YEARS)
    last_change = (select(RequestStatusChange.request_id,
                          func.max(RequestStatusChange.created_at).label("at"))
                   .group_by(RequestStatusChange.request_id).subquery())
    rows = db.session.execute(
        select(SubjectRequest.id, SubjectRequest.person_id, last_change.c.at)
        .join(last_change, last_change.c.request_id == SubjectRequest.id)
        .where(SubjectRequest.status.not_in(OPEN_STATES), SubjectRequest.minimised_at.is_(None),
               last_change.c.at < now - relativedelta(years=years))
        .order_by(SubjectRequest.id)).all()
    result = RulePlan("closed_requests", RULE_LABELS["closed_requests"], years, "years")
    for request_id, person_id, at in rows:
        item = Item(f"request:{request_id}", request_id, at)
        kept = held.person(person_id) or bool(held.assets() & _confirmed_assets(request_id))
        (result.held if kept else result.due).append(item)
    return result


def _sent_emails(now: datetime, held: _Held) -> RulePlan:
    days = schedules.value(schedules.EMAIL_DAYS)
    rows = db.session.execute(select(OutgoingEmail.id, OutgoingEmail.recipient,
                                     OutgoingEmail.sent_at).where(
        OutgoingEmail.sent_at.is_not(None),
        OutgoingEmail.sent_at < now - timedelta(days=days)).order_by(OutgoingEmail.id)).all()
    result = RulePlan("sent_emails", RULE_LABELS["sent_emails"], days, "days")
    addresses = held.addresses()
    for email_id, recipient, sent_at in rows:
        item = Item(f"email:{email_id}", email_id, sent_at)
        (result.held if recipient.strip().lower() in addresses else result.due).append(item)
    return result


def _expired_quitclaim_photos(now: datetime, held: _Held) -> RulePlan:
    days = schedules.value(schedules.EXPIRED_REVIEW_DAYS)
    today = local_date(now)
    flagged = select(ReviewFlag.id).where(ReviewFlag.asset_id == QuitclaimAsset.asset_id,
                                          ReviewFlag.quitclaim_id == Quitclaim.id)
    rows = db.session.execute(
        select(QuitclaimAsset.asset_id, Quitclaim.id, Quitclaim.valid_until)
        .join(Quitclaim, Quitclaim.id == QuitclaimAsset.quitclaim_id)
        .where(_ended_by_expiry(today), Quitclaim.valid_until < today - timedelta(days=days),
               ~flagged.exists())
        .order_by(Quitclaim.id, QuitclaimAsset.asset_id)).all()
    result = RulePlan("expired_quitclaim_photos", RULE_LABELS["expired_quitclaim_photos"],
                      days, "days")
    held_assets = held.assets()
    for asset_id, quitclaim_id, ended in rows:
        item = Item(f"asset:{asset_id}", asset_id, ended, quitclaim_id=quitclaim_id)
        (result.held if asset_id in held_assets else result.due).append(item)
    return result


def _quitclaim_evidence(now: datetime, held: _Held) -> RulePlan:
    years = schedules.value(schedules.QUITCLAIM_EVIDENCE_YEARS)
    today = local_date(now)
    rows = db.session.scalars(select(Quitclaim).where(or_(
        Quitclaim.status == QuitclaimStatus.WITHDRAWN, _ended_by_expiry(today)))
        .order_by(Quitclaim.id)).all()
    result = RulePlan("quitclaim_evidence", RULE_LABELS["quitclaim_evidence"], years, "years")
    held_assets = held.assets()
    for quitclaim in rows:
        ended = (local_date(quitclaim.withdrawn_at)
                 if quitclaim.status == QuitclaimStatus.WITHDRAWN and quitclaim.withdrawn_at
                 else quitclaim.valid_until)
        if ended + relativedelta(years=years) >= today:
            continue
        item = Item(f"quitclaim:{quitclaim.id}", quitclaim.id, ended)
        assets = {a.asset_id for a in quitclaim.assets}
        kept = held.person(quitclaim.person_id) or bool(assets & held_assets)
        (result.held if kept else result.due).append(item)
    return result


def _ended_by_expiry(today: date) -> Any:
    """Expired, or past its end date (the same daily run expires it first)."""
    return or_(Quitclaim.status == QuitclaimStatus.EXPIRED,
               (Quitclaim.status == QuitclaimStatus.SIGNED)
               & (Quitclaim.valid_until < today))


def _confirmed_assets(request_id: int) -> set[int]:
    return set(db.session.scalars(select(Face.asset_id).join(Match, Match.face_id == Face.id)
                                  .where(Match.request_id == request_id,
                                         Match.decision == MatchDecision.CONFIRMED)))


class _Held:
    """The active holds, looked up once per plan."""

    def __init__(self) -> None:
        self._set = holds.held()
        self._assets: set[int] | None = None
        self._addresses: set[str] | None = None

    def person(self, person_id: int | None) -> bool:
        return self._set.holds_person(person_id)

    def assets(self) -> set[int]:
        if self._assets is None:
            self._assets = holds.held_asset_ids()
        return self._assets

    def addresses(self) -> set[str]:
        """Email addresses of held people (their own and their guardian's)."""
        if self._addresses is None:
            self._addresses = set()
            if self._set.person_ids:
                for email, guardian in db.session.execute(select(
                        Person.email, Person.guardian_email).where(
                        Person.id.in_(self._set.person_ids))):
                    self._addresses.update(a.strip().lower() for a in (email, guardian) if a)
        return self._addresses


# --- the actions ----------------------------------------------------------------------


def _purge_templates(items: list[Item], actor: Actor) -> None:
    now = utcnow()
    faces = list(db.session.scalars(select(Face).where(Face.id.in_([i.id for i in items]))))
    for face in faces:
        face.template_purged_at = now
    templates.drop(faces, reason="retention: untagged", actor=actor)


def _minimise_requests(items: list[Item], actor: Actor) -> None:
    for item in items:
        minimise.request(item.id, actor=actor)


def _delete_emails(items: list[Item], actor: Actor) -> None:
    for email in db.session.scalars(select(OutgoingEmail).where(
            OutgoingEmail.id.in_([i.id for i in items]))):
        db.session.delete(email)


def _flag_photos(items: list[Item], actor: Actor) -> None:
    db.session.add_all(ReviewFlag(asset_id=i.id, quitclaim_id=i.quitclaim_id,
                                  reason="quitclaim_ended") for i in items)


def _delete_quitclaims(items: list[Item], actor: Actor) -> None:
    for item in items:
        minimise.delete_quitclaim(item.id)


_ACTIONS: dict[str, Callable[[list[Item], Actor], int | None]] = {
    "untagged_templates": _purge_templates,
    "closed_requests": _minimise_requests,
    "sent_emails": _delete_emails,
    "expired_quitclaim_photos": _flag_photos,
    "quitclaim_evidence": _delete_quitclaims,
    **retention_records.ACTIONS,
    audit_retention.RULE: audit_retention.prune,
}

