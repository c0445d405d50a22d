"""What a request's face scan may look at, under policy `consented-only`.

Scanning computes a template of every face it looks at, so it profiles bystanders: it is
limited to the collections (events) and the date range the requester named, which staff
find prefilled (the requester's words matched to collection names, their dates). A scope
beyond that (other collections, wider dates, the whole library, or any scope when the
requester named nothing) waits for a second privacy officer or an admin, never the one
who set it nor the case's assignee, who approves it with a reason: the portal's promise
"we only search what you name" stays true. The templates computed for a scan are
compared and thrown away, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, distinct, func, or_, select, true

from likeness.dsr import casework
from likeness.errors import Forbidden, InvalidInput
from likeness.extensions import db
from likeness.library import collection_settings
from likeness.models import Asset, AssetStatus, Face, Role, SubjectRequest, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.clock import AMSTERDAM
from likeness.platform.uow import use_case
from likeness.staff import accounts


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
    request.scope_widens = widens(request)
    request.scope_set_by_id = actor.staff_id
    request.scope_approved_at = None  # a new scope, a new approval
    request.scope_approved_by_id = None
    request.scope_approval_reason = None
    audit.record("request.scope_set", actor=actor, subject=f"request:{request.id}",
                 details={"collections": len(chosen), "from": str(date_from or ""),
                          "until": str(date_until or ""), "library_wide": bool(reason),
                          "beyond_requested": request.scope_widens})
    return request


def named_collections(request: SubjectRequest) -> list[str]:
    """The collections whose name the requester used (event or details), in any case."""
    words = f"{request.requested_event or ''} {request.details or ''}".casefold()
    return [c for c in collections() if c.casefold() in words]


def widens(request: SubjectRequest) -> bool:
    """Whether the scope staff chose reaches beyond what the requester named."""
    if request.scope_library_wide_reason:
        return True
    named = named_collections(request)
    if not named and not (request.requested_from or request.requested_until):
        return True  # the requester named nothing: every scan goes beyond it
    if named and not set(request.scope_collections or []) <= set(named):
        return True
    if named and not request.scope_collections:
        return True  # every collection, where the requester named some
    if request.requested_from and (request.scope_from is None
                                   or request.scope_from < request.requested_from):
        return True
    return bool(request.requested_until and (request.scope_until is None
                                             or request.scope_until > request.requested_until))


def awaiting_approval(request: SubjectRequest) -> bool:
    return request.scope_widens and request.scope_approved_at is None


MIN_REASON = 20  # at least a sentence


@use_case
def approve(request_id: int, *, reason: str, actor: Actor) -> SubjectRequest:
    """A second privacy officer or an admin approves a scope beyond what the requester
    named, with a reason. Never the officer who set it or who handles the case."""
    request = casework.get(request_id)
    staff = accounts.get(actor.staff_id) if actor.staff_id is not None else None
    if staff is None or not staff.has_role(Role.PRIVACY_OFFICER):
        raise Forbidden(_("Only a privacy officer or an admin can approve a wider scope."))
    if actor.staff_id in {request.scope_set_by_id, request.assignee_id}:
        raise Forbidden(_("A wider scope needs a second person: you set this scope or handle "
                          "this request."))
    if not awaiting_approval(request):
        raise InvalidInput(_("There is no wider scope waiting for approval."))
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput(_("Say in at least a sentence why the wider scope is needed."))
    request.scope_approved_at = utcnow()
    request.scope_approved_by_id = actor.staff_id
    request.scope_approval_reason = reason.strip()[:2000]
    audit.record("request.scope_approved", actor=actor, subject=f"request:{request.id}")
    return request


def is_set(request: SubjectRequest) -> bool:
    return bool(request.scope_library_wide_reason or request.scope_collections
                or request.scope_from or request.scope_until)


def asset_filter(request: SubjectRequest) -> ColumnElement[bool]:
    """SQL: the indexed assets the scan may look at (nothing while no scope is set, or
    while a wider scope waits for approval)."""
    if awaiting_approval(request):
        return Asset.id.is_(None)  # matches nothing
    left_out = collection_settings.health_without_ground()
    if not left_out:
        return _chosen(request)
    # Health data without an Art. 9 ground is not scanned (spelled out for NULL: a photo
    # without a collection is in).
    return and_(_chosen(request), or_(Asset.collection.is_(None),
                                      Asset.collection.not_in(left_out)))


def health_collections_left_out(request: SubjectRequest) -> list[str]:
    """Collections within the chosen scope that the scan leaves out: their photos reveal
    health and no Art. 9 ground is recorded for them."""
    left_out = collection_settings.health_without_ground()
    if not left_out:
        return []
    return sorted(c for c in db.session.scalars(select(distinct(Asset.collection)).where(
        _chosen(request), Asset.collection.in_(left_out))) if c)


def _chosen(request: SubjectRequest) -> ColumnElement[bool]:
    """SQL: the indexed assets within the scope chosen, approved or not."""
    if request.scope_library_wide_reason:
        return Asset.status == AssetStatus.INDEXED
    if not is_set(request):
        return Asset.id.is_(None)  # matches nothing
    conditions = [Asset.status == AssetStatus.INDEXED]
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
    """How much the scan will look at, and about how long it takes (for the case page;
    for a scope waiting for approval, what it would look at once approved)."""
    where = _chosen(request)
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
