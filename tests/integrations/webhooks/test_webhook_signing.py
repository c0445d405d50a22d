"""Signatures: what the receiver verifies, what it refuses, and rotation with overlap."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from likeness.integrations import delivery, events, webhooks
from likeness.models import IntegrationEvent, WebhookDelivery, WebhookEndpoint, utcnow
from likeness.platform.actor import CLI
from likeness.platform.uow import use_case
from tests.integrations.webhooks.conftest import dam_client, deliver_due


@use_case
def emit(integration_id: int) -> IntegrationEvent:
    return events.record(integration_id, "consent.expired", {"external_ids": ["IMG-1"]})


def signed(endpoint: WebhookEndpoint, event: IntegrationEvent) -> tuple[bytes, dict[str, str]]:
    body = delivery.body_of(event)
    return body, delivery.signed_headers(endpoint, event, body)


def test_a_signed_message_verifies_and_a_changed_body_does_not(db, integration, endpoint):
    event = emit(integration.id)
    body, headers = signed(endpoint, event)
    (secret,) = webhooks.signing_secrets(endpoint)
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "consent.expired" and payload["data"]["external_ids"] == ["IMG-1"]
    assert headers["webhook-id"] == f"msg_{event.id}"
    assert headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"IMG-1", b"IMG-2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(body, headers)


def test_the_example_receiver_refuses_a_changed_body_and_an_old_timestamp(
        db, integration, endpoint, receiver):
    event = emit(integration.id)
    with time_machine.travel(utcnow() - timedelta(minutes=10), tick=True):
        body, old = signed(endpoint, event)  # signed ten minutes ago, or replayed later
    assert receiver.handle(body, old) == 400
    body, fresh = signed(endpoint, event)
    assert receiver.handle(body + b" ", fresh) == 400
    assert receiver.handle(body, {**fresh, "webhook-id": "msg_other"}) == 400
    assert receiver.processed == []
    assert receiver.handle(body, fresh) == 204
    assert len(receiver.processed) == 1


def test_a_duplicate_webhook_id_is_processed_once_by_the_example_receiver(
        db, integration, endpoint, receiver):
    event = emit(integration.id)
    body, first = signed(endpoint, event)
    with time_machine.travel(utcnow() + timedelta(seconds=30), tick=True):
        body, retry = signed(endpoint, event)  # a retry: a new timestamp, the same id
        assert receiver.handle(body, first) == 204
        assert receiver.handle(body, retry) == 204
    assert [m["webhook_id"] for m in receiver.processed] == [f"msg_{event.id}"]


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(app, db, integration,
                                                                  endpoint, receiver):
    (old_secret,) = webhooks.signing_secrets(endpoint)
    new = webhooks.rotate_secret(endpoint.id, actor=CLI)
    assert new.secret != old_secret and new.secret.startswith("whsec_")
    event = emit(integration.id)
    body, headers = signed(endpoint, event)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(body, headers)  # the image bank has not switched yet
    Webhook(new.secret).verify(body, headers)  # or has
    hours = app.config["WEBHOOK_SECRET_ROTATION_HOURS"]
    with time_machine.travel(utcnow() + timedelta(hours=hours, minutes=1), tick=True):
        body, headers = signed(endpoint, event)
        with pytest.raises(WebhookVerificationError):
            Webhook(old_secret).verify(body, headers)
        Webhook(new.secret).verify(body, headers)
    # Delivered during the overlap to a receiver that still has the old secret.
    receiver.secret = old_secret
    deliver_due()
    assert [m["type"] for m in receiver.processed] == ["consent.expired"]


def test_the_example_module_imports_nothing_from_likeness():
    text = Path(dam_client.__file__).read_text(encoding="utf-8")
    assert "import likeness" not in text and "from likeness" not in text


def test_a_secret_sealed_under_another_secret_key_sends_nothing(app, db, integration,
                                                                endpoint, receiver):
    app.config["SECRET_KEY"] = "another key, after a careless change"
    emit(integration.id)
    deliver_due()
    assert receiver.requests == 0
    (found,) = db.session.scalars(select(WebhookDelivery)).all()
    assert (found.status, found.last_error) == ("pending", "secret_unreadable")
