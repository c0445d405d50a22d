"""The image bank's own ids for assets (`external_id`, unique per integration)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.errors import Conflict, NotFound
from likeness.extensions import db
from likeness.models import ExternalAsset
from likeness.platform.uow import use_case


def asset_id_for(integration_id: int, external_id: str) -> int:
    """The asset the image bank knows as `external_id`, or NotFound."""
    asset_id = asset_ids_for(integration_id, [external_id]).get(external_id)
    if asset_id is None:
        raise NotFound(_("No asset with this external_id is registered."))
    return asset_id


def asset_ids_for(integration_id: int, external_ids: list[str]) -> dict[str, int]:
    """external_id -> asset id, for the ids that are registered (others left out)."""
    if not external_ids:
        return {}
    rows = db.session.execute(
        select(ExternalAsset.external_id, ExternalAsset.asset_id).where(
            ExternalAsset.integration_id == integration_id,
            ExternalAsset.external_id.in_(set(external_ids))))
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
