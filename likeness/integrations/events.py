"""Events for image banks, written in the unit of work of the change.

A change (consent signed, withdrawn, expiring or expired; a photo's permissions; a person
restricted, unrestricted or erased; a share link revoked) adds one row per integration
that has registered any of the photos concerned, in the same transaction as the change:
an image bank polling `GET /api/v1/events?after=<cursor>` sees exactly the committed
changes, in order, none lost, and every webhook endpoint that wants the type gets a
delivery queued in that same transaction (`delivery.fan_out`). Thin payloads: the image
bank's ids, an opaque person reference, channels and reason codes; never names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.integrations import delivery
from likeness.models import ExternalAsset, ExternalSubject, IntegrationEvent, Quitclaim
from likeness.models.base import MAX_ID

MAX_PAGE = 500
# What a quitclaim change means for a permission decision (the API's reason codes).
_PERMISSION_REASON = {"consent.granted": "consented", "consent.withdrawn": "withdrawn",
                      "consent.expired": "expired"}


def record(integration_id: int, event_type: str, data: dict[str, Any]) -> IntegrationEvent:
    """Add one event for one integration and queue its webhook deliveries."""
    event = IntegrationEvent(integration_id=integration_id, type=event_type, data=data)
    db.session.add(event)
    db.session.flush()
    delivery.fan_out(event)
    return event


def registered(asset_ids: Iterable[int]) -> dict[int, list[str]]:
    """{integration id: its external_ids} for the integrations that registered these."""
    asset_ids = list(set(asset_ids))
    per_integration: dict[int, list[str]] = {}
    if not asset_ids:
        return per_integration
    for integration_id, external_id in db.session.execute(
            select(ExternalAsset.integration_id, ExternalAsset.external_id)
            .where(ExternalAsset.asset_id.in_(asset_ids))
            .order_by(ExternalAsset.integration_id, ExternalAsset.external_id)):
        per_integration.setdefault(integration_id, []).append(external_id)
    return per_integration


def consent_changed(quitclaim: Quitclaim, kind: str) -> None:
    """Record a quitclaim history event (`history.record`'s kinds) for the image banks:
    the consent event, and `asset.permissions_changed` for the photos it covers."""
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
    for integration_id, external_ids in registered(a.asset_id for a in quitclaim.assets).items():
        record(integration_id, event_type, _quitclaim_data(quitclaim, external_ids, channels))
        record(integration_id, "asset.permissions_changed", {
            "external_ids": external_ids, "channels": sorted(channels),
            "reason": _PERMISSION_REASON[event_type],
            "person_ref": f"person:{quitclaim.person_id}", "quitclaim_id": quitclaim.id})


def consent_expiring(quitclaim: Quitclaim) -> int:
    """`consent.expiring` for a quitclaim ending soon; returns how many were written."""
    channels = [c.channel for c in quitclaim.channels]
    written = 0
    for integration_id, external_ids in registered(a.asset_id for a in quitclaim.assets).items():
        record(integration_id, "consent.expiring",
               _quitclaim_data(quitclaim, external_ids, channels))
        written += 1
    return written


def subject_changed(event_type: str, *, person_id: int | None, asset_ids: Iterable[int],
                    reason: str, extra: dict[int, dict[str, Any]] | None = None) -> None:
    """`subject.restricted`, `subject.unrestricted` or `subject.erased` for the photos
    concerned (`extra`: more data per integration, e.g. its take-down task)."""
    refs = _external_refs(person_id)
    for integration_id, external_ids in registered(asset_ids).items():
        data: dict[str, Any] = {
            "person_ref": f"person:{person_id}" if person_id is not None else None,
            "external_refs": refs.get(integration_id, []),
            "external_ids": external_ids, "reason": reason}
        data.update((extra or {}).get(integration_id, {}))
        record(integration_id, event_type, data)
        if event_type != "subject.erased":
            record(integration_id, "asset.permissions_changed", {
                "external_ids": external_ids, "channels": [], "reason": reason,
                "person_ref": data["person_ref"]})


def share_revoked(share_link_id: int, asset_ids: Iterable[int], channel: str) -> None:
    for integration_id, external_ids in registered(asset_ids).items():
        record(integration_id, "share.revoked", {
            "share_id": share_link_id, "external_ids": external_ids, "channels": [channel]})


def expiring_notice_day(today: date) -> date:
    """Quitclaims ending on or before this day get `consent.expiring`."""
    return today + timedelta(days=current_app.config["CONSENT_EXPIRING_DAYS"])


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


def _quitclaim_data(quitclaim: Quitclaim, external_ids: list[str],
                    channels: list[str]) -> dict[str, Any]:
    return {
        "quitclaim_id": quitclaim.id,
        "person_ref": f"person:{quitclaim.person_id}",
        "external_ids": external_ids,
        "channels": sorted(channels),
        "valid_until": quitclaim.valid_until.isoformat() if quitclaim.valid_until else None,
    }


def _external_refs(person_id: int | None) -> dict[int, list[str]]:
    refs: dict[int, list[str]] = {}
    if person_id is None:
        return refs
    for integration_id, ref in db.session.execute(
            select(ExternalSubject.integration_id, ExternalSubject.external_ref)
            .where(ExternalSubject.person_id == person_id)):
        refs.setdefault(integration_id, []).append(ref)
    return refs
