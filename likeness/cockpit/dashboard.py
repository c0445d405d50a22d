"""The cockpit's dashboard: the figures a privacy officer watches, read-only.

Open requests by status and days left, overdue, on-time rate per month (drawn as a
server-side SVG bar chart), quitclaims ending soon, faces without consent per channel,
templates held and purged, the last audit verification, open take-down tasks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, exists, func, not_, select

from likeness.cockpit import audit_view, breaches, retention
from likeness.consent import coming_of_age
from likeness.extensions import db
from likeness.models import (
    Asset,
    Channel,
    Face,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimStatus,
    RequestStatus,
    RequestStatusChange,
    SubjectRequest,
    TakedownTask,
)
from likeness.platform.clock import local_date
from likeness.platform.clock import today as amsterdam_today

OPEN_STATES = retention.OPEN_STATES
DONE_STATES = (RequestStatus.ANSWERED, RequestStatus.REFUSED,
               RequestStatus.CLOSED)
DAY_BUCKETS = ("overdue", "0-7", "8-14", "15+")


@dataclass(frozen=True)
class Month:
    month: str  # "2026-11"
    answered: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


def figures(today: date | None = None) -> dict[str, Any]:
    today = today or amsterdam_today()
    open_requests = list(db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.status.in_(OPEN_STATES))))
    by_status = Counter(r.status for r in open_requests)
    by_days = Counter(_bucket((_deadline(r) - today).days) for r in open_requests)
    return {
        "open_by_status": {s: by_status.get(s, 0) for s in OPEN_STATES},
        "open_by_days_left": {b: by_days.get(b, 0) for b in DAY_BUCKETS},
        "overdue": by_days.get("overdue", 0),
        "months": on_time_by_month(today),
        "quitclaims_ending": {n: _ending_within(today, n) for n in (30, 60, 90)},
        "faces_without_consent": {c.value: faces_without_consent(c.value, today)
                                  for c in Channel},
        "templates_held": int(db.session.scalar(select(func.count(Face.id)).where(
            Face.template_ciphertext.is_not(None))) or 0),
        "templates_purged": retention.templates_purged_total(),
        "last_verification": audit_view.last_verification(),
        "open_takedowns": int(db.session.scalar(select(func.count(TakedownTask.id)).where(
            TakedownTask.done_at.is_(None))) or 0),
        "open_breaches": [(b, breaches.hours_left(b)) for b in breaches.listing(False)],
        # A guardian's rights ended and the person has no address of their own yet.
        "address_needed": coming_of_age.needing_an_address(),
    }


def on_time_by_month(today: date, months: int = 12) -> list[Month]:
    """Requests answered (or refused, or closed) per month, and how many by the deadline.

    A request counts in the month of its first answer; on time when that day (in
    Amsterdam) is not after its deadline (the extended one, if extended)."""
    first_done = (select(RequestStatusChange.request_id,
                         func.min(RequestStatusChange.created_at).label("at"))
                  .where(RequestStatusChange.to_status.in_(DONE_STATES))
                  .group_by(RequestStatusChange.request_id).subquery())
    start = date(today.year, today.month, 1) - relativedelta(months=months - 1)
    counts: dict[str, list[int]] = {(start + relativedelta(months=i)).strftime("%Y-%m"): [0, 0]
                                    for i in range(months)}
    rows = db.session.execute(select(SubjectRequest, first_done.c.at).join(
        first_done, first_done.c.request_id == SubjectRequest.id)).all()
    for request, at in rows:
        answered_on = local_date(at)
        key = answered_on.strftime("%Y-%m")
        if key in counts:
            counts[key][0] += 1
            counts[key][1] += answered_on <= _deadline(request)
    return [Month(key, answered, on_time) for key, (answered, on_time) in counts.items()]


def faces_without_consent(channel: str, today: date) -> int:
    """Faces (not blurred for good) that may not be shown on `channel`: untagged, or with
    no valid quitclaim for it, or the person erased, or the photo restricted."""
    covered = exists(
        select(Quitclaim.id)
        .join(QuitclaimAsset, QuitclaimAsset.quitclaim_id == Quitclaim.id)
        .join(QuitclaimChannel, QuitclaimChannel.quitclaim_id == Quitclaim.id)
        .where(Quitclaim.person_id == Face.person_id, QuitclaimAsset.asset_id == Face.asset_id,
               QuitclaimChannel.channel == channel, QuitclaimChannel.withdrawn_at.is_(None),
               Quitclaim.status == QuitclaimStatus.SIGNED,
               Quitclaim.valid_from <= today, Quitclaim.valid_until >= today))
    erased = exists(select(Person.id).where(Person.id == Face.person_id,
                                            Person.is_suppressed.is_(True)))
    green = and_(Face.person_id.is_not(None), ~erased, Asset.is_restricted.is_(False), covered)
    return int(db.session.scalar(
        select(func.count(Face.id)).join(Asset, Asset.id == Face.asset_id).where(
            Face.is_not_a_face.is_(False), Face.is_always_blurred.is_(False), not_(green)))
        or 0)


def chart(months: list[Month], *, width: float = 600, height: float = 180) -> list[Bar]:
    """Bars of the on-time rate per month, in SVG user units (top 20, bottom 30 for text)."""
    top, bottom = 20.0, 30.0
    slot = width / max(1, len(months))
    bars = []
    for i, month in enumerate(months):
        rate = month.rate
        bar_height = (height - top - bottom) * (rate or 0)
        bars.append(Bar(x=i * slot + slot * 0.15, y=height - bottom - bar_height,
                        width=slot * 0.7, height=bar_height, label=month.month,
                        value="—" if rate is None else f"{round(rate * 100)}%"))
    return bars


def _deadline(request: SubjectRequest) -> date:
    return request.extended_due_on or request.due_on


def _bucket(days_left: int) -> str:
    if days_left < 0:
        return "overdue"
    if days_left <= 7:
        return "0-7"
    return "8-14" if days_left <= 14 else "15+"


def _ending_within(today: date, days: int) -> int:
    return int(db.session.scalar(select(func.count(Quitclaim.id)).where(
        Quitclaim.status == QuitclaimStatus.SIGNED, Quitclaim.valid_until >= today,
        Quitclaim.valid_until <= today + timedelta(days=days))) or 0)
