"""What the staff dashboard counts: the work that has a clock or is waiting for someone,
each figure a link to where it is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from likeness.cockpit import breaches, retention
from likeness.consent import self_marks
from likeness.extensions import db
from likeness.models import Breach, Quitclaim, QuitclaimStatus, RequestStatus, SubjectRequest
from likeness.platform.clock import today as amsterdam_today

DUE_SOON_DAYS = 7
ENDING_SOON_DAYS = 30


@dataclass(frozen=True)
class OpenBreach:
    breach: Breach
    hours_left: float | None  # None: notified, or decided that no notification is needed


@dataclass(frozen=True)
class AtAGlance:
    due_soon: int  # open requests due within DUE_SOON_DAYS (today included)
    overdue: int
    answers_waiting: int  # drafted, not sent
    quitclaims_ending: int  # within ENDING_SOON_DAYS
    marks_waiting: int  # faces signers marked as themselves, not decided
    open_breaches: list[OpenBreach]


def figures(today: date | None = None) -> AtAGlance:
    today = today or amsterdam_today()
    open_requests = list(db.session.scalars(select(SubjectRequest).where(
        SubjectRequest.status.in_(retention.OPEN_STATES))))
    days_left = [((r.extended_due_on or r.due_on) - today).days for r in open_requests]
    waiting = db.session.scalar(select(func.count(SubjectRequest.id)).where(
        SubjectRequest.response_pdf_path.is_not(None), SubjectRequest.answer_sent_at.is_(None),
        SubjectRequest.status.in_([*retention.OPEN_STATES, RequestStatus.REFUSED])))
    ending = db.session.scalar(select(func.count(Quitclaim.id)).where(
        Quitclaim.status == QuitclaimStatus.SIGNED, Quitclaim.valid_until >= today,
        Quitclaim.valid_until <= today + timedelta(days=ENDING_SOON_DAYS)))
    return AtAGlance(
        due_soon=sum(1 for d in days_left if 0 <= d <= DUE_SOON_DAYS),
        overdue=sum(1 for d in days_left if d < 0),
        answers_waiting=int(waiting or 0),
        quitclaims_ending=int(ending or 0),
        marks_waiting=self_marks.count_pending(),
        open_breaches=[OpenBreach(b, breaches.hours_left(b)) for b in breaches.listing(False)],
    )
