"""Delivering events to a receiver: signed, retried with backoff, dead-lettered, 410."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from sqlalchemy import select

from likeness.integrations import delivery, events, webhooks
from likeness.models import (
    AuditEvent,
    DeliveryStatus,
    IntegrationEvent,
    WebhookAttempt,
    WebhookDelivery,
    utcnow,
)
from likeness.platform.actor import CLI
from likeness.platform.uow import use_case
from tests.integrations.webhooks.conftest import deliver_due


@use_case
def emit(integration_id: int, event_type: str = "consent.withdrawn") -> IntegrationEvent:
    return events.record(integration_id, event_type, {
        "quitclaim_id": 7, "person_ref": "person:12", "external_ids": ["IMG-1"],
        "channels": ["website"], "valid_until": "2031-03-01"})


def only_delivery(db: Any) -> WebhookDelivery:
    (found,) = db.session.scalars(select(WebhookDelivery)).all()
    db.session.refresh(found)
    return found


def test_an_event_arrives_signed_and_is_logged(db, integration, endpoint, receiver):
    event = emit(integration.id)
    deliver_due()
    (message,) = receiver.processed
    assert message["type"] == "consent.withdrawn"
    assert message["data"]["external_ids"] == ["IMG-1"]
    assert message["webhook_id"] == f"msg_{event.id}"
    found = only_delivery(db)
    assert found.status == DeliveryStatus.DELIVERED
    assert found.last_status_code == 204
    (attempt,) = db.session.scalars(select(WebhookAttempt)).all()
    assert attempt.status_code == 204 and attempt.error is None


def test_a_500_is_tried_again_on_the_schedule_then_delivered(db, integration, endpoint,
                                                             receiver):
    receiver.status = 500
    emit(integration.id)
    deliver_due()
    found = only_delivery(db)
    assert (found.status, found.attempts, found.last_status_code) == ("pending", 1, 500)
    wait = found.next_attempt_at - utcnow()
    assert timedelta(seconds=4) < wait <= timedelta(seconds=5.5)
    deliver_due()  # not due yet: nothing is sent
    assert receiver.requests == 1
    receiver.status = 204
    deliver_due(after=timedelta(seconds=6))
    found = only_delivery(db)
    assert (found.status, found.attempts) == ("delivered", 2)
    assert len(receiver.processed) == 1


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(db, integration, endpoint,
                                                                receiver):
    receiver.delay = 2  # the read timeout is 1 s in these tests
    emit(integration.id)
    deliver_due()
    found = only_delivery(db)
    assert (found.status, found.last_error, found.last_status_code) == ("pending", "timeout",
                                                                       None)
    receiver.delay = 0
    deliver_due(after=timedelta(seconds=6))
    assert only_delivery(db).status == "delivered"


def test_after_three_days_of_failures_the_delivery_is_dead_lettered(db, integration,
                                                                    endpoint, receiver,
                                                                    client, logged_in):
    receiver.status = 503
    emit(integration.id)
    deliver_due()
    waited = timedelta(0)
    for delay in delivery.RETRY_DELAYS:
        waited += delay * 1.11
        deliver_due(after=waited)
    found = only_delivery(db)
    assert found.status == DeliveryStatus.DEAD
    assert found.attempts == delivery.MAX_ATTEMPTS == 10
    assert receiver.requests == 10
    assert timedelta(days=3) <= waited <= timedelta(days=3, hours=12)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "webhook.dead_lettered")) is not None
    # Nothing more is tried, and the admins' dashboard names the endpoint.
    deliver_due(after=waited + timedelta(days=2))
    assert receiver.requests == 10
    logged_in("admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Webhooks failing" in page and receiver.url() in page
    # Replay: one more try, now that the image bank fixed its side.
    receiver.status = 204
    delivery.replay(found.id, actor=CLI)
    deliver_due()
    assert only_delivery(db).status == "delivered"
    assert len(receiver.processed) == 1


def test_410_switches_the_endpoint_off(db, integration, endpoint, receiver):
    receiver.status = 410
    emit(integration.id)
    deliver_due()
    found = only_delivery(db)
    db.session.refresh(endpoint)
    assert found.status == "dead" and endpoint.disabled_reason == "gone"
    assert not endpoint.is_active
    emit(integration.id)  # no delivery for a switched-off endpoint
    deliver_due(after=timedelta(minutes=10))
    assert db.session.scalar(select(WebhookDelivery.id).where(
        WebhookDelivery.id != found.id)) is None
    assert receiver.requests == 1


def test_a_redirect_is_a_failed_try_and_is_not_followed(db, integration, endpoint, receiver):
    receiver.status = 307
    emit(integration.id)
    deliver_due()
    found = only_delivery(db)
    assert (found.status, found.last_status_code, found.last_error) == ("pending", 307,
                                                                       "redirect")
    assert receiver.requests == 1  # the target of the redirect never heard of it


def test_the_filter_and_other_integrations(db, integration, receiver):
    new = webhooks.create_endpoint(integration.id, receiver.url(), ["subject.erased"],
                                   actor=CLI)
    receiver.secret = new.secret
    emit(integration.id, "consent.withdrawn")
    emit(integration.id, "subject.erased")
    deliver_due()
    assert [m["type"] for m in receiver.processed] == ["subject.erased"]


def test_a_replayed_message_keeps_its_id_and_is_processed_once(db, integration, endpoint,
                                                                receiver):
    emit(integration.id)
    deliver_due()
    found = only_delivery(db)
    delivery.replay(found.id, actor=CLI)
    deliver_due()
    assert receiver.requests == 2
    assert len(receiver.processed) == 1  # the example receiver deduplicates on webhook-id


def test_a_job_pushed_twice_tries_once(db, integration, endpoint, receiver):
    emit(integration.id)
    found = only_delivery(db)
    with time_machine.travel(utcnow(), tick=True):
        delivery.deliver_webhook(found.id, 1)
        delivery.deliver_webhook(found.id, 1)
    assert receiver.requests == 1
