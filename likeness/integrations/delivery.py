"""Delivering one event to one endpoint: the worker's job, with retries for three days.

The job `deliver_webhook(delivery_id, attempt)` is one try. Its HTTP POST runs in the
job's prepare step, outside any writing transaction (a slow receiver must not hold the
database's write lock); the job then records the try, in the same unit of work that marks
its outbox row done. A try that fails queues the next one as a delayed outbox job
(`not_before`), so a retry survives Redis and worker restarts; a worker killed during the
POST leaves its outbox row behind, and the sweep runs the same try again (the receiver
deduplicates on `webhook-id`, which stays the same across tries).

Each try carries `webhook-id`, `webhook-timestamp` (of this try) and `webhook-signature`
(Standard Webhooks, signed by the `standardwebhooks` package). 2xx is delivered; 410
switches the endpoint off; anything else (a 3xx included: never followed) is retried
after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (each up to 10% later, so
endpoints that failed together do not retry together), then dead-lettered.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from flask import current_app
from flask_babel import gettext as _
from standardwebhooks import Webhook

from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.integrations import webhook_urls, webhooks
from likeness.models import (
    DeliveryStatus,
    IntegrationEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.jobs import job
from likeness.platform.uow import use_case

log = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1


def message_id(event: IntegrationEvent) -> str:
    return f"msg_{event.id}"


def body_of(event: IntegrationEvent) -> bytes:
    """The payload: the same bytes on every try (thin: ids, references, channels, codes)."""
    return json.dumps({"type": event.type, "timestamp": event.created_at.isoformat(),
                       "data": event.data}, separators=(",", ":"), sort_keys=True).encode()


def signed_headers(endpoint: WebhookEndpoint, event: IntegrationEvent,
                   body: bytes) -> dict[str, str]:
    now = utcnow()
    msg_id = message_id(event)
    signatures = " ".join(Webhook(secret).sign(msg_id, now, body)
                          for secret in webhooks.signing_secrets(endpoint))
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signatures, "Content-Type": "application/json",
            "User-Agent": "Likeness-Webhooks"}


def _due(delivery_id: int, attempt: int) -> tuple[WebhookDelivery, WebhookEndpoint,
                                                  IntegrationEvent] | None:
    """The delivery, its endpoint and event when try `attempt` is still to be made."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if (delivery is None or delivery.status != DeliveryStatus.PENDING
            or delivery.attempts != attempt - 1):
        return None  # done, dead, or this try was made already (a job pushed twice)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    event = db.session.get(IntegrationEvent, delivery.event_id)
    if endpoint is None or event is None:
        return None
    return delivery, endpoint, event


def send(delivery_id: int, attempt: int) -> webhook_urls.Answer | None:
    """The POST of this try (the job's prepare step); None when there is none to make."""
    due = _due(delivery_id, attempt)
    if due is None:
        return None
    _delivery, endpoint, event = due
    if not endpoint.is_active:
        return None
    body = body_of(event)
    config = current_app.config
    try:
        headers = signed_headers(endpoint, event, body)
    except InvalidTag:  # SECRET_KEY changed since the secret was sealed: nothing is sent
        return webhook_urls.Answer(None, "secret_unreadable", 0)
    return webhook_urls.post(
        endpoint.url, body, headers,
        private_hosts=webhooks.private_hosts(),
        connect_timeout=config["WEBHOOK_CONNECT_TIMEOUT_SECONDS"],
        read_timeout=config["WEBHOOK_READ_TIMEOUT_SECONDS"])


@job(prepare=send)
@use_case
def deliver_webhook(delivery_id: int, attempt: int, *, prepared: Any = None) -> None:
    """Job: record try `attempt` of a delivery and queue the next one if it failed."""
    due = _due(delivery_id, attempt)
    if due is None:
        return
    delivery, endpoint, _event = due
    if not endpoint.is_active:
        delivery.status = DeliveryStatus.DEAD
        delivery.last_error = "endpoint_disabled"
        return
    answer = prepared if isinstance(prepared, webhook_urls.Answer) else send(
        delivery_id, attempt)
    if answer is None:
        return
    now = utcnow()
    db.session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now,
                                  status_code=answer.status_code, error=answer.error,
                                  duration_ms=answer.duration_ms))
    delivery.attempts = attempt
    delivery.last_status_code = answer.status_code
    delivery.last_error = answer.error
    if answer.error is None:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif answer.status_code == 410:
        _gone(endpoint, delivery)
    elif attempt >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
        log.warning("webhook delivery %s dead-lettered after %d tries", delivery.id, attempt)
        audit.record("webhook.dead_lettered", actor=SYSTEM, subject=endpoint.audit_ref,
                     details={"delivery": delivery.id, "attempts": attempt})
    else:
        delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        delivery.next_attempt_at = now + delay * (1 + random.uniform(0, JITTER))  # noqa: S311
        deliver_webhook.later_at(delivery.next_attempt_at, delivery.id, attempt + 1)


def _gone(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    """410: the image bank removed this endpoint; stop sending to it."""
    delivery.status = DeliveryStatus.DEAD
    delivery.next_attempt_at = None
    endpoint.disabled_at = utcnow()
    endpoint.disabled_reason = "gone"
    audit.record("webhook.disabled", actor=SYSTEM, subject=endpoint.audit_ref,
                 details={"reason": "410"})


def fan_out(event: IntegrationEvent) -> None:
    """A delivery of `event` to every active endpoint that wants it (current unit of work)."""
    for endpoint in webhooks.endpoints_of(event.integration_id):
        if endpoint.is_active and endpoint.wants(event.type):
            delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id,
                                       next_attempt_at=utcnow())
            db.session.add(delivery)
            db.session.flush()
            deliver_webhook.later(delivery.id, 1)


@use_case
def replay(delivery_id: int, *, actor: Actor) -> WebhookDelivery:
    """Try a delivery once more now (after the image bank fixed its side)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_("No such delivery."))
    endpoint = webhooks.get_endpoint(delivery.endpoint_id)
    if not endpoint.is_active:
        raise InvalidInput(_("Switch the endpoint on before replaying to it."))
    if delivery.status != DeliveryStatus.PENDING:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = utcnow()
        deliver_webhook.later(delivery.id, delivery.attempts + 1)
        audit.record("webhook.replayed", actor=actor, subject=endpoint.audit_ref,
                     details={"delivery": delivery.id})
    return delivery
