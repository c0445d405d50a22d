"""API keys: shown once, stored hashed, scoped, expiring, rotated with a grace period,
revoked at once, every use audited without the key, rate-limited per key; errors as
problem details."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.integrations import keys
from likeness.models import ApiCall, ApiKey, AuditEvent, utcnow
from likeness.platform import audit, sweep_tasks
from likeness.platform.actor import CLI
from tests.support.helpers import csrf_token_from

# Many short tests share one app; for the whole module a small limit, so the per-key test
# needs few requests (tests/conftest.py `app`).
pytestmark = pytest.mark.shared_app(API_RATE_LIMIT="3 per minute")

URL = "/api/v1/assets/IMG-1/permissions?channel=website"


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer lk_nothex_x",
                                    "Bearer lk_0123456789ab_" + "A" * 43])
def test_a_request_without_a_valid_key_is_refused(client: FlaskClient, integration: Any,
                                                  header: str | None):
    headers = {"Authorization": header} if header else {}
    body = _problem(client.get(URL, headers=headers), 401)
    assert "key" in body["detail"]


def test_the_refusal_says_how_to_authenticate(client: FlaskClient, integration: Any):
    response = client.get(URL)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_valid_key_gets_through_and_only_a_fingerprint_is_stored(
        client: FlaskClient, db: Any, make_key: Any):
    secret = make_key(["assets:read"])
    # Authenticated: the asset is simply not registered.
    body = _problem(client.get(URL, headers=_auth(secret)), 404)
    assert "external_id" in body["detail"]
    stored = db.session.scalars(select(ApiKey)).one()
    assert secret not in {stored.secret_sha256, stored.prefix}
    assert stored.secret_sha256 != secret and len(stored.secret_sha256) == 64


def test_a_key_without_the_scope_is_forbidden_and_the_attempt_audited(
        client: FlaskClient, db: Any, make_key: Any):
    secret = make_key(["subjects:write"])
    body = _problem(client.get(URL, headers=_auth(secret)), 403)
    assert "assets:read" in body["detail"]
    sweep_tasks.run_all()  # the worker's next sweep seals the call into the audit chain
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.refused"))
    assert event.details["refused"] == "scope" and event.actor.startswith("apikey:")


def test_an_expired_key_stops_working(client: FlaskClient, make_key: Any):
    secret = make_key(expires_at=utcnow() + timedelta(days=1))
    assert client.get(URL, headers=_auth(secret)).status_code == 404
    with time_machine.travel(utcnow() + timedelta(days=1, seconds=1)):
        body = _problem(client.get(URL, headers=_auth(secret)), 401)
    assert "expired" in body["detail"]


def test_a_key_cannot_be_made_already_expired(integration: Any):
    from likeness.errors import InvalidInput

    with pytest.raises(InvalidInput):
        keys.create_key(integration.id, "old", ["assets:read"], actor=CLI,
                        expires_at=utcnow() - timedelta(minutes=1))


def test_rotation_keeps_the_old_key_working_for_the_grace_period(
        client: FlaskClient, db: Any, make_key: Any, app: Flask):
    old = make_key(["assets:read"])
    old_row = db.session.scalars(select(ApiKey)).one()
    new = keys.rotate_key(old_row.id, actor=CLI)
    assert new.key.scopes == ["assets:read"]
    assert client.get(URL, headers=_auth(old)).status_code == 404
    assert client.get(URL, headers=_auth(new.secret)).status_code == 404
    grace = timedelta(hours=app.config["API_KEY_ROTATION_GRACE_HOURS"])
    with time_machine.travel(utcnow() + grace + timedelta(seconds=1)):
        body = _problem(client.get(URL, headers=_auth(old)), 401)
        assert "retired" in body["detail"]
        assert client.get(URL, headers=_auth(new.secret)).status_code == 404


def test_a_rotated_key_cannot_be_rotated_again(db: Any, make_key: Any):
    from likeness.errors import Conflict

    make_key()
    row = db.session.scalars(select(ApiKey)).one()
    keys.rotate_key(row.id, actor=CLI)
    with pytest.raises(Conflict):
        keys.rotate_key(row.id, actor=CLI)


def test_a_revoked_key_stops_at_once(client: FlaskClient, db: Any, make_key: Any):
    secret = make_key()
    keys.revoke_key(db.session.scalars(select(ApiKey)).one().id, actor=CLI)
    body = _problem(client.get(URL, headers=_auth(secret)), 401)
    assert "revoked" in body["detail"]


def test_every_use_is_audited_without_the_key_and_stamps_last_used(
        client: FlaskClient, db: Any, make_key: Any):
    secret = make_key()
    client.get(URL, headers=_auth(secret))
    client.post("/api/v1/permissions:query", headers=_auth(secret),
                json={"external_ids": ["A"], "channels": ["website"]})
    row = db.session.scalars(select(ApiKey)).one()
    db.session.refresh(row)
    assert row.last_used_at is not None
    assert db.session.scalar(select(func.count()).select_from(ApiCall)) == 2  # durable now
    sweep_tasks.run_all()  # the worker's next sweep seals the calls into the audit chain
    assert db.session.scalar(select(func.count()).select_from(ApiCall)) == 0
    assert audit.verify().ok
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.called")
                                .order_by(AuditEvent.id)).all()
    assert [e.details["method"] for e in events] == ["GET", "POST"]
    assert {e.actor for e in events} == {f"apikey:{row.id}"}
    assert all(secret not in str(e.details) and row.prefix not in str(e.details)
               for e in events)


def test_a_refused_key_leaves_no_trace_of_use(client: FlaskClient, db: Any, integration: Any):
    client.get(URL, headers=_auth("lk_0123456789ab_" + "A" * 43))
    sweep_tasks.run_all()
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api.called")).first() is None


def test_each_key_has_its_own_rate_limit(client: FlaskClient, make_key: Any):
    first, second = make_key(), make_key()
    statuses = [client.get(URL, headers=_auth(first)).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert _problem(client.get(URL, headers=_auth(first)), 429)
    assert client.get(URL, headers=_auth(second)).status_code == 404


def test_the_api_needs_no_csrf_token_but_staff_forms_still_do(
        client: FlaskClient, bearer: dict[str, str], logged_in: Any):
    response = client.post("/api/v1/permissions:query", headers=bearer,
                           json={"external_ids": ["A"], "channels": ["website"]})
    assert response.status_code == 200
    logged_in("admin")
    assert client.post("/admin/integrations", data={"name": "X"}).status_code == 400


def test_an_unknown_api_path_is_a_problem_document(client: FlaskClient, bearer: dict[str, str]):
    _problem(client.get("/api/v1/nothing-here", headers=bearer), 404)
    _problem(client.delete(URL, headers=bearer), 405)


# --- the staff page ------------------------------------------------------------------


def _form(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_an_admin_makes_an_integration_and_a_key_that_is_shown_once(
        client: FlaskClient, db: Any, logged_in: Any):
    logged_in("admin")
    response = _form(client, "/admin/integrations",
                     {"name": "ResourceSpace", "allowed_hosts": "dam.example.org\ncdn.example.org"})
    assert response.status_code == 302
    page_url = response.headers["Location"]
    made = _form(client, page_url, {"label": "website sync",
                                    "scopes": ["assets:read", "assets:write"]})
    html = made.get_data(as_text=True)
    shown = re.search(r"lk_[0-9a-f]{12}_[A-Za-z0-9_-]+", html)
    assert made.status_code == 200 and shown
    assert shown.group(0) not in client.get(page_url).get_data(as_text=True)
    assert client.get(URL, headers=_auth(shown.group(0))).status_code == 404
    key = db.session.scalars(select(ApiKey)).one()
    assert key.scopes == ["assets:read", "assets:write"] and key.owner_id is not None


def test_the_page_refuses_a_bad_host_and_a_key_without_scopes(client: FlaskClient,
                                                              logged_in: Any):
    logged_in("admin")
    bad = _form(client, "/admin/integrations", {"name": "X", "allowed_hosts": "http://x/ y"})
    assert bad.status_code == 400 and "is not a host name" in bad.get_data(as_text=True)
    made = _form(client, "/admin/integrations", {"name": "X", "allowed_hosts": "x.example"})
    none = _form(client, made.headers["Location"], {"label": "k"})
    assert none.status_code == 400 and "at least one scope" in none.get_data(as_text=True)


def test_an_admin_rotates_and_revokes_from_the_page(client: FlaskClient, db: Any,
                                                    logged_in: Any, make_key: Any,
                                                    integration: Any):
    secret = make_key()
    logged_in("admin")
    key = db.session.scalars(select(ApiKey)).one()
    page = f"/admin/integrations/{integration.id}"
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    response = client.post(f"/admin/api-keys/{key.id}/rotate", data={"csrf_token": token})
    assert response.status_code == 200 and "lk_" in response.get_data(as_text=True)
    assert "replaced; works until" in client.get(page).get_data(as_text=True)
    client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert client.get(URL, headers=_auth(secret)).status_code == 401


def test_only_admins_reach_the_integrations(client: FlaskClient, logged_in: Any):
    logged_in("privacy_officer")
    assert client.get("/admin/integrations").status_code == 403
