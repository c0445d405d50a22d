"""The image bank manages its own endpoints with a `webhooks:manage` key."""

from __future__ import annotations

from sqlalchemy import select

from likeness.models import AuditEvent, WebhookEndpoint


def test_an_image_bank_registers_rotates_and_removes_its_endpoint(client, db, bearer,
                                                                  receiver):
    created = client.post("/api/v1/webhooks", headers=bearer, json={
        "url": receiver.url(), "event_types": ["consent.withdrawn", "subject.erased"]})
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True
    listed = client.get("/api/v1/webhooks", headers=bearer).get_json()["endpoints"]
    assert [e["url"] for e in listed] == [receiver.url()]
    assert "secret" not in listed[0]  # shown once
    rotated = client.post(f"/api/v1/webhooks/{body['id']}/rotate", headers=bearer)
    assert rotated.status_code == 200
    assert rotated.get_json()["secret"] != body["secret"]
    assert rotated.get_json()["previous_secret_until"]
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=bearer).status_code == 204
    assert db.session.scalars(select(WebhookEndpoint)).all() == []
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"webhook.created", "webhook.secret_rotated", "webhook.deleted"} <= actions


def test_refusals(client, db, bearer, make_other_key, receiver):
    internal = client.post("/api/v1/webhooks", headers=bearer,
                           json={"url": "http://10.0.0.5/hook"})
    assert internal.status_code == 400
    assert client.post("/api/v1/webhooks", headers=bearer, json={
        "url": receiver.url(), "event_types": ["bogus"]}).status_code == 422
    read_only = make_other_key(["assets:read"], same_integration=True)
    assert client.post("/api/v1/webhooks", headers=read_only,
                       json={"url": receiver.url()}).status_code == 403
    mine = client.post("/api/v1/webhooks", headers=bearer, json={"url": receiver.url()})
    other = make_other_key(["webhooks:manage"], same_integration=False)
    endpoint_id = mine.get_json()["id"]
    assert client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/webhooks/{endpoint_id}/rotate",
                       headers=other).status_code == 404
    assert db.session.get(WebhookEndpoint, endpoint_id) is not None
