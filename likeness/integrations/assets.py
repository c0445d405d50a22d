"""The image bank's own ids for assets (`external_id`, unique per integration)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, String, any_, bindparam, select
from sqlalchemy.dialects import postgresql

from likeness.errors import Conflict, DomainError, NotFound
from likeness.extensions import db
from likeness.integrations.fetch import TooLarge
from likeness.library import consent_status
from likeness.library import upload as uploads
from likeness.models import Asset, ExternalAsset, Face
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


class Unprocessable(DomainError):
    """The file arrived but is not a photo we can take (format, damage, erased)."""

    status = 422


def asset_id_for(integration_id: int, external_id: str) -> int:
    """The asset the image bank knows as `external_id`, or NotFound."""
    asset_id = asset_ids_for(integration_id, [external_id]).get(external_id)
    if asset_id is None:
        raise not_registered()
    return asset_id


def not_registered() -> NotFound:
    return NotFound(_("No asset with this external_id is registered."))


@functools.cache
def _ids_for(dialect: str, many: bool) -> Select[Any]:
    """Built once per database kind. On PostgreSQL many ids are one array parameter, as in
    the permission queries: an expanded IN list of 1,000 is 1,000 parameters to render,
    convert and parse on every bulk check (one id stays one plain parameter: making an
    array of it cost a single check a quarter of a millisecond)."""
    if dialect == "postgresql" and many:
        wanted = ExternalAsset.external_id == any_(
            bindparam("external_ids", type_=postgresql.ARRAY(String)))
    else:
        wanted = ExternalAsset.external_id.in_(bindparam("external_ids", expanding=True))
    return select(ExternalAsset.external_id, ExternalAsset.asset_id).where(
        ExternalAsset.integration_id == bindparam("integration"), wanted)


def asset_ids_for(integration_id: int, external_ids: list[str]) -> dict[str, int]:
    """external_id -> asset id, for the ids that are registered (others left out).
    (A statement built once, run as Core: this is on every permission check's path.)"""
    if not external_ids:
        return {}
    connection = db.session.connection()
    wanted = list(set(external_ids))
    rows = connection.execute(_ids_for(connection.dialect.name, len(wanted) > 1), {
        "integration": integration_id, "external_ids": wanted})
    return {external_id: asset_id for external_id, asset_id in rows}


def link_row(integration_id: int, external_id: str) -> ExternalAsset | None:
    return db.session.scalar(select(ExternalAsset).where(
        ExternalAsset.integration_id == integration_id,
        ExternalAsset.external_id == external_id))


@use_case
def link(integration_id: int, external_id: str, asset_id: int, *,
         photographer: str | None = None) -> ExternalAsset:
    """Record that the image bank calls `asset_id` `external_id` (again: the same asset
    is fine; another asset under an id already taken is a conflict)."""
    row = link_row(integration_id, external_id)
    if row is not None and row.asset_id != asset_id:
        raise Conflict(_("This external_id names another photo already."), field="external_id")
    if row is None:
        row = ExternalAsset(integration_id=integration_id, external_id=external_id,
                            asset_id=asset_id)
        db.session.add(row)
    if photographer is not None:
        row.photographer = photographer[:200] or None
    db.session.flush()
    return row


@dataclass(frozen=True)
class Registered:
    asset_id: int
    created: bool  # a new registration (201), or the same photo again (200)


@use_case
def register(integration_id: int, external_id: str, data: bytes, filename: str, *,
             actor: Actor, collection: str | None = None, captured_at: datetime | None = None,
             photographer: str | None = None) -> Registered:
    """Add the photo through the staff upload pipeline (same formats, limits, erasure
    checks and face indexing) and record the image bank's id for it. One unit of work:
    an id that names another photo already (409) leaves no new photo behind."""
    limit = current_app.config["MAX_UPLOAD_FILE_BYTES"]
    if len(data) > limit:
        raise TooLarge(_("The photo is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    existing = link_row(integration_id, external_id)
    result = uploads.add_photo(data, filename, actor=actor, collection=collection)
    if result.error is not None or result.asset_id is None:
        raise Unprocessable(result.error or _("This photo cannot be added."), field="file")
    asset_id = result.asset_id
    row = link(integration_id, external_id, asset_id, photographer=photographer)
    if captured_at is not None:
        asset = db.session.get(Asset, asset_id)
        if asset is not None:
            asset.captured_at = captured_at
    audit.record("api.asset_registered", actor=actor, subject=f"asset:{asset_id}",
                 details={"integration": integration_id, "link": row.id})
    return Registered(asset_id, existing is None)


@dataclass(frozen=True)
class AssetView:
    external_id: str
    asset: Asset
    photographer: str | None
    consent: consent_status.AssetConsent
    faces: list[Face]


def describe(integration_id: int, external_id: str) -> AssetView:
    """The registered photo, its faces and their consent per channel today."""
    row = link_row(integration_id, external_id)
    asset = db.session.get(Asset, row.asset_id) if row is not None else None
    if row is None or asset is None:
        raise NotFound(_("No asset with this external_id is registered."))
    faces = list(db.session.scalars(select(Face).where(
        Face.asset_id == asset.id, Face.is_not_a_face.is_(False)).order_by(Face.left)))
    return AssetView(external_id, asset, row.photographer,
                     consent_status.for_asset(asset.id), faces)
