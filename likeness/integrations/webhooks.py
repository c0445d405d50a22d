"""Webhook endpoints of an integration: register, rotate the secret, switch off and on,
fan an event out to them, replay a delivery, and which endpoints are failing.

The secret (`whsec_` + 32 random bytes, base64, the Standard Webhooks form) is shown once;
it is kept because it signs every message, sealed (AES-256-GCM under a key derived from
`SECRET_KEY`, which lives outside the database), so a stolen database or backup cannot
sign a message the image bank would believe. Changing `SECRET_KEY` therefore needs a new
secret for every endpoint (until then each try fails as `secret_unreadable` in the
delivery log). Rotation keeps the previous secret signing next to the new one for
`WEBHOOK_SECRET_ROTATION_HOURS`, so the image bank can switch
without rejecting a message (each message then carries both signatures).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.integrations import webhook_urls
from likeness.models import (
    DeliveryStatus,
    Integration,
    IntegrationEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

EVENT_TYPES = (
    "consent.granted", "consent.withdrawn", "consent.expiring", "consent.expired",
    "asset.permissions_changed", "subject.restricted", "subject.unrestricted",
    "subject.erased", "share.revoked",
)
MAX_ENDPOINTS = 10
_NONCE = 12
_AAD = b"likeness-webhook-secret"
# A delivery tried this often without success makes its endpoint "failing" on the dashboard.
FAILING_AFTER_ATTEMPTS = 3


@dataclass(frozen=True)
class NewSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def seal(secret: str) -> str:
    nonce = secrets.token_bytes(_NONCE)
    return base64.b64encode(nonce + AESGCM(_key()).encrypt(nonce, secret.encode(), _AAD)
                            ).decode()


def unseal(sealed: str) -> str:
    raw = base64.b64decode(sealed)
    return AESGCM(_key()).decrypt(raw[:_NONCE], raw[_NONCE:], _AAD).decode()


def _key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"likeness-webhooks",
                info=b"likeness/webhook-secrets").derive(
        str(current_app.config["SECRET_KEY"]).encode())


def private_hosts() -> tuple[str, ...]:
    return tuple(current_app.config["WEBHOOK_PRIVATE_HOSTS"])


def endpoints_of(integration_id: int) -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.integration_id == integration_id).order_by(WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int, *, integration_id: int | None = None) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or (integration_id is not None
                            and endpoint.integration_id != integration_id):
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


@use_case
def create_endpoint(integration_id: int, url: str, event_types: list[str], *,
                    actor: Actor) -> NewSecret:
    integration = db.session.get(Integration, integration_id)
    if integration is None:
        raise NotFound(_("No such integration."))
    url = url.strip()
    if len(url) > 2000:
        raise InvalidInput(_("The URL is too long."), field="url")
    unknown = set(event_types) - set(EVENT_TYPES)
    if unknown:
        raise InvalidInput(_("Unknown event type: %(type)s.", type=sorted(unknown)[0][:60]),
                           field="event_types")
    if len(endpoints_of(integration_id)) >= MAX_ENDPOINTS:
        raise InvalidInput(_("An integration has at most %(n)d webhook endpoints.",
                             n=MAX_ENDPOINTS))
    webhook_urls.check_url(url, integration.allowed_hosts, private_hosts())
    secret = new_secret()
    endpoint = WebhookEndpoint(integration_id=integration_id, url=url,
                               event_types=sorted(set(event_types)),
                               secret_sealed=seal(secret),
                               created_by_id=actor.staff_id)
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.created", actor=actor, subject=endpoint.audit_ref,
                 details={"integration": integration_id, "events": endpoint.event_types})
    return NewSecret(endpoint, secret)


@use_case
def rotate_secret(endpoint_id: int, *, actor: Actor, integration_id: int | None = None,
                  ) -> NewSecret:
    endpoint = get_endpoint(endpoint_id, integration_id=integration_id)
    hours = current_app.config["WEBHOOK_SECRET_ROTATION_HOURS"]
    secret = new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_until = utcnow() + timedelta(hours=hours)
    endpoint.secret_sealed = seal(secret)
    audit.record("webhook.secret_rotated", actor=actor, subject=endpoint.audit_ref,
                 details={"overlap_hours": hours})
    return NewSecret(endpoint, secret)


@use_case
def set_enabled(endpoint_id: int, enabled: bool, *, actor: Actor,
                integration_id: int | None = None) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id, integration_id=integration_id)
    if enabled and endpoint.disabled_at is not None:
        endpoint.disabled_at = None
        endpoint.disabled_reason = None
        audit.record("webhook.enabled", actor=actor, subject=endpoint.audit_ref)
    elif not enabled and endpoint.disabled_at is None:
        endpoint.disabled_at = utcnow()
        endpoint.disabled_reason = "by_staff"
        audit.record("webhook.disabled", actor=actor, subject=endpoint.audit_ref)
    return endpoint


@use_case
def delete_endpoint(endpoint_id: int, *, actor: Actor, integration_id: int | None = None,
                    ) -> None:
    endpoint = get_endpoint(endpoint_id, integration_id=integration_id)
    audit.record("webhook.deleted", actor=actor, subject=endpoint.audit_ref)
    db.session.delete(endpoint)


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign a message now: the current one, and during a rotation the
    previous one too."""
    found = [unseal(endpoint.secret_sealed)]
    if (endpoint.previous_secret_sealed and endpoint.previous_secret_until is not None
            and endpoint.previous_secret_until > utcnow()):
        found.append(unseal(endpoint.previous_secret_sealed))
    return found


def deliveries(endpoint_id: int, *, limit: int = 200) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))


def attempts_of(delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    found: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        for attempt in db.session.scalars(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
                .order_by(WebhookAttempt.id)):
            found[attempt.delivery_id].append(attempt)
    return found


def events_of(deliveries_: list[WebhookDelivery]) -> dict[int, IntegrationEvent]:
    ids = {d.event_id for d in deliveries_}
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(
        select(IntegrationEvent).where(IntegrationEvent.id.in_(ids)))}


def failing_endpoints() -> list[tuple[WebhookEndpoint, Integration, int]]:
    """Endpoints switched off by a 410, or with deliveries dead-lettered or failing again
    and again, with how many deliveries are in that state (for the dashboard)."""
    troubled = (
        (WebhookDelivery.status == DeliveryStatus.DEAD)
        | ((WebhookDelivery.status == DeliveryStatus.PENDING)
           & (WebhookDelivery.attempts >= FAILING_AFTER_ATTEMPTS)))
    counts = dict(db.session.execute(
        select(WebhookDelivery.endpoint_id, func.count()).where(troubled)
        .group_by(WebhookDelivery.endpoint_id)).tuples().all())
    rows = db.session.execute(
        select(WebhookEndpoint, Integration).join(Integration)
        .where(WebhookEndpoint.id.in_(counts) | (WebhookEndpoint.disabled_reason == "gone"))
        .order_by(WebhookEndpoint.id)).tuples().all()
    return [(endpoint, integration, counts.get(endpoint.id, 0))
            for endpoint, integration in rows]
