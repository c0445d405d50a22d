"""What a request's face scan may look at, under policy `consented-only`.

Scanning computes a template of every face it looks at, so it profiles bystanders: it is
limited to the collections (events) and the date range the requester named or staff
chose. Scanning the whole library needs a reason that a privacy officer records. The
templates computed for a scan are compared and thrown away, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, distinct, func, select, true

from likeness.dsr import casework
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import Asset, AssetStatus, Face, SubjectRequest
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.clock import AMSTERDAM
from likeness.platform.uow import use_case


def collections() -> list[str]:
    """Every collection (event) in the library, for staff to choose from."""
    return [c for c in db.session.scalars(
        select(distinct(Asset.collection)).where(Asset.collection.is_not(None))
        .order_by(Asset.collection)) if c]


@use_case
def set_scope(
    request_id: int, *, collections: list[str], date_from: date | None,
    date_until: date | None, library_wide_reason: str = "", actor: Actor,
) -> SubjectRequest:
    """Choose what the scan covers: collections and/or a date range, or (with a reason)
    the whole library."""
    request = casework.get(request_id)
    reason = library_wide_reason.strip()
    chosen = sorted({c.strip() for c in collections if c.strip()})
    if date_from and date_until and date_from > date_until:
        raise InvalidInput(_("The start of the date range lies after its end."))
    if not reason and not chosen and not (date_from or date_until):
        raise InvalidInput(_("Choose collections or a date range, or give the reason for "
                             "scanning the whole library."))
    request.scope_collections = None if reason else chosen
    request.scope_from = None if reason else date_from
    request.scope_until = None if reason else date_until
    request.scope_library_wide_reason = reason[:2000] or None
    audit.record("request.scope_set", actor=actor, subject=f"request:{request.id}",
                 details={"collections": len(chosen), "from": str(date_from or ""),
                          "until": str(date_until or ""), "library_wide": bool(reason)})
    return request


def is_set(request: SubjectRequest) -> bool:
    return bool(request.scope_library_wide_reason or request.scope_collections
                or request.scope_from or request.scope_until)


def asset_filter(request: SubjectRequest) -> ColumnElement[bool]:
    """SQL: the indexed assets the scan may look at (nothing while no scope is set)."""
    if request.scope_library_wide_reason:
        return Asset.status == AssetStatus.INDEXED.value
    if not is_set(request):
        return Asset.id.is_(None)  # matches nothing
    conditions = [Asset.status == AssetStatus.INDEXED.value]
    if request.scope_collections:
        conditions.append(Asset.collection.in_(request.scope_collections))
    # Photos without a capture date count by their upload date (the case page says so).
    taken = func.coalesce(Asset.captured_at, Asset.created_at)
    if request.scope_from:
        conditions.append(taken >= _start_of(request.scope_from))
    if request.scope_until:
        conditions.append(taken < _start_of(request.scope_until + timedelta(days=1)))
    return and_(true(), *conditions)


@dataclass(frozen=True)
class ScopeSummary:
    photos: int
    faces: int
    photos_dated_by_upload: int
    estimated_seconds: float


def summary(request: SubjectRequest) -> ScopeSummary:
    """How much the scan will look at, and about how long it takes (for the case page)."""
    where = asset_filter(request)
    photos = db.session.scalar(select(func.count()).select_from(Asset).where(where)) or 0
    faces = db.session.scalar(
        select(func.count(Face.id)).join(Asset, Asset.id == Face.asset_id)
        .where(where, Face.is_not_a_face.is_(False))) or 0
    undated = db.session.scalar(select(func.count()).select_from(Asset).where(
        where, Asset.captured_at.is_(None))) or 0
    per_face = float(current_app.config["SCAN_SECONDS_PER_FACE"])
    return ScopeSummary(photos, faces, undated, faces * per_face)


def _start_of(day: date) -> datetime:
    """Midnight in Amsterdam, as a UTC instant (dates are the calendar dates people mean)."""
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)
