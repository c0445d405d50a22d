"""Consent events for image banks, written in the unit of work of the change.

A change of consent (signed, withdrawn, expired) adds one row per integration that has
registered any of the photos concerned, in the same transaction as the change: an image
bank polling `GET /api/v1/events?after=<cursor>` (or, later, a webhook dispatcher
reading the same rows) sees exactly the committed changes, in order, none lost. Thin
payloads: the image bank's ids, an opaque person reference and channels.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from likeness.extensions import db
from likeness.models import ExternalAsset, IntegrationEvent, Quitclaim
from likeness.models.base import MAX_ID

MAX_PAGE = 500


def consent_changed(quitclaim: Quitclaim, kind: str) -> None:
    """Record a quitclaim history event (`history.record`'s kinds) for the image banks."""
    if kind == "signed":
        event_type, channels = "consent.granted", [c.channel for c in quitclaim.channels]
    elif kind == "withdrawn" or kind.startswith("channel_withdrawn:"):
        event_type = "consent.withdrawn"
        channels = ([kind.partition(":")[2]] if ":" in kind
                    else [c.channel for c in quitclaim.channels])
    elif kind == "expired":
        event_type, channels = "consent.expired", [c.channel for c in quitclaim.channels]
    else:
        return  # evidence only (PDF rendered, reminders): nothing changes for the image bank
    asset_ids = [a.asset_id for a in quitclaim.assets]
    if not asset_ids:
        return
    per_integration: dict[int, list[str]] = {}
    for integration_id, external_id in db.session.execute(
            select(ExternalAsset.integration_id, ExternalAsset.external_id)
            .where(ExternalAsset.asset_id.in_(asset_ids))
            .order_by(ExternalAsset.integration_id, ExternalAsset.external_id)):
        per_integration.setdefault(integration_id, []).append(external_id)
    for integration_id, external_ids in per_integration.items():
        db.session.add(IntegrationEvent(integration_id=integration_id, type=event_type, data={
            "quitclaim_id": quitclaim.id,
            "person_ref": f"person:{quitclaim.person_id}",
            "external_ids": external_ids,
            "channels": sorted(channels),
            "valid_until": quitclaim.valid_until.isoformat() if quitclaim.valid_until else None,
        }))


def after(integration_id: int, cursor: int, *, limit: int = 100) -> list[IntegrationEvent]:
    """The integration's events after `cursor` (an event id; 0 for the beginning)."""
    if cursor >= MAX_ID:
        return []  # past every id there can be (and out of the column's range)
    return list(db.session.scalars(
        select(IntegrationEvent).where(IntegrationEvent.integration_id == integration_id,
                                       IntegrationEvent.id > cursor)
        .order_by(IntegrationEvent.id).limit(min(limit, MAX_PAGE))))


def present(event: IntegrationEvent) -> dict[str, Any]:
    return {"cursor": str(event.id), "type": event.type, "created_at": event.created_at,
            "data": event.data}
