"""Finding photos in the library: one photo, filtered pages of photos, batch progress.

Every filter, consent filters included, runs in SQL over the whole library and is
paged: a filter that only looked at the newest photos would hide the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from likeness.errors import NotFound
from likeness.extensions import db
from likeness.library import consent_status
from likeness.models import Asset, Channel, Face
from likeness.platform import audit, paging
from likeness.platform.actor import Actor
from likeness.platform.paging import Page
from likeness.platform.uow import use_case

PAGE_SIZE = 60


def get(asset_id: int) -> Asset:
    asset = db.session.get(Asset, asset_id)
    if asset is None:
        raise NotFound(_("No such photo."))
    return asset


@use_case
def view(asset_id: int, *, actor: Actor) -> Asset:
    """A staff member opens a photo: audited, so a person's access answer can say who
    looked at their photos."""
    asset = get(asset_id)
    audit.record("asset.viewed", actor=actor, subject=f"asset:{asset.id}")
    return asset


@dataclass(frozen=True)
class AssetRow:
    asset: Asset
    face_count: int


@dataclass(frozen=True)
class LibraryFilter:
    """What staff filter the library on; every field is optional."""

    status: str | None = None
    collection: str | None = None
    usable_on: str | None = None  # a channel
    consent: str | None = None  # "expiring" or "none"


def list_assets(
    where: LibraryFilter | None = None, *, page: int = 1, page_size: int = PAGE_SIZE,
) -> Page[AssetRow]:
    """One page of photos matching `where`, newest first, with their face counts."""
    query = _filtered(select(Asset.id), where or LibraryFilter())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = paging.clamp(page, total, page_size)
    face_count = (
        select(func.count(Face.id))
        .where(Face.asset_id == Asset.id, Face.is_not_a_face.is_(False))
        .correlate(Asset)
        .scalar_subquery()
    )
    rows = db.session.execute(
        _filtered(select(Asset, face_count), where or LibraryFilter())
        .order_by(Asset.id.desc()).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return Page([AssetRow(asset, count) for asset, count in rows], page, page_size, total)


def asset_ids(where: LibraryFilter) -> list[int]:
    """Every photo matching `where` (e.g. all photos of a collection for an invitation)."""
    return list(db.session.scalars(_filtered(select(Asset.id), where).order_by(Asset.id)))


def _filtered(query: Select, where: LibraryFilter) -> Select:
    if where.status:
        query = query.where(Asset.status == where.status)
    if where.collection:
        query = query.where(Asset.collection == where.collection)
    if where.usable_on in {c.value for c in Channel}:
        query = query.where(consent_status.usable_on(where.usable_on or ""))
    if where.consent == "expiring":
        query = query.where(consent_status.expiring())
    elif where.consent == "none":
        query = query.where(consent_status.usable_nowhere())
    return query


def statuses(asset_ids: list[int]) -> list[dict[str, object]]:
    """Progress of a batch, for the upload page's polling."""
    face_count = (
        select(func.count(Face.id)).where(Face.asset_id == Asset.id).correlate(Asset)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Asset.id, Asset.status, Asset.failure_reason, face_count).where(
            Asset.id.in_(asset_ids[:1000])
        )
    ).all()
    return [
        {"id": r[0], "status": r[1], "reason": r[2], "faces": r[3]} for r in rows
    ]
