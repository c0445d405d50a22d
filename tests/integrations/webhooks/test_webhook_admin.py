"""The staff pages: add an endpoint (secret shown once), the delivery log, replay."""

from __future__ import annotations

import re

from sqlalchemy import select

from likeness.integrations import webhooks
from likeness.models import WebhookEndpoint
from tests.integrations.webhooks.conftest import deliver_due
from tests.integrations.webhooks.test_webhook_delivery import emit
from tests.support.helpers import csrf_token_from


def test_an_admin_adds_an_endpoint_and_reads_its_delivery_log(client, db, logged_in,
                                                               integration, receiver):
    logged_in("admin")
    page = client.get(f"/admin/integrations/{integration.id}/webhooks")
    assert page.status_code == 200
    answer = client.post(f"/admin/integrations/{integration.id}/webhooks", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "url": receiver.url(),
        "event_types": ["consent.withdrawn"]})
    assert answer.status_code == 200
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", answer.get_data(as_text=True)).group(0)
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert webhooks.signing_secrets(endpoint) == [secret]
    assert endpoint.event_types == ["consent.withdrawn"]
    assert secret not in endpoint.secret_sealed  # sealed in the database
    listing = client.get(f"/admin/integrations/{integration.id}/webhooks").get_data(as_text=True)
    assert receiver.url() in listing and secret not in listing  # shown once

    receiver.secret = secret
    receiver.status = 500
    emit(integration.id)
    deliver_due()
    log = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "consent.withdrawn" in log and "500 (http_500)" in log and "waiting" in log

    receiver.status = 204
    token = csrf_token_from(log)
    client.post(f"/admin/webhooks/{endpoint.id}/disable", data={"csrf_token": token})
    db.session.refresh(endpoint)
    assert not endpoint.is_active
    client.post(f"/admin/webhooks/{endpoint.id}/enable", data={"csrf_token": token})
    rotated = client.post(f"/admin/webhooks/{endpoint.id}/rotate", data={"csrf_token": token})
    assert "whsec_" in rotated.get_data(as_text=True)


def test_an_internal_url_is_refused_at_its_field(client, db, logged_in, integration, app):
    app.config["WEBHOOK_PRIVATE_HOSTS"] = ()
    logged_in("admin")
    page = client.get(f"/admin/integrations/{integration.id}/webhooks")
    answer = client.post(f"/admin/integrations/{integration.id}/webhooks", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "url": f"http://127.0.0.1:{integration.allowed_hosts[1].split(':')[1]}/x"})
    assert answer.status_code == 400
    assert "internal address" in answer.get_data(as_text=True)
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_webhook_pages_are_for_admins_only(client, logged_in, integration):
    logged_in("librarian")
    assert client.get(f"/admin/integrations/{integration.id}/webhooks").status_code == 403
