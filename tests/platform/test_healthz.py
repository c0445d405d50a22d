"""/healthz: the status for everyone, the detail only for this machine or a token;
computed at most every few seconds, rate-limited, and `starting` until a worker is seen."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from likeness.platform import health as platform_health
from likeness.platform.queue import get_redis
from likeness.web import health

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture(autouse=True)
def fresh_answers(app: Flask) -> Any:
    health.clear_cache()
    get_redis().delete(platform_health.WORKER_SEEN_KEY)
    yield
    health.clear_cache()


def test_the_public_sees_the_status_word_only(app: Flask, client: FlaskClient):
    response = client.get("/healthz", environ_base=OUTSIDE)
    assert response.get_json() == {"status": "starting"}
    assert "checks" not in response.get_data(as_text=True)


def test_this_machine_and_the_token_holder_see_the_checks(app: Flask, client: FlaskClient):
    app.config["HEALTH_TOKEN"] = "monitoring-token-42"
    local = client.get("/healthz").get_json()  # the test client comes from 127.0.0.1
    assert local["checks"]["database"] is True and "worker_seen_seconds_ago" in local
    with_token = client.get("/healthz", environ_base=OUTSIDE,
                            headers={"Authorization": "Bearer monitoring-token-42"})
    assert with_token.get_json()["checks"]["redis"] is True
    wrong = client.get("/healthz", environ_base=OUTSIDE,
                       headers={"Authorization": "Bearer guess"})
    assert set(wrong.get_json()) == {"status"}


def test_starting_until_a_worker_was_seen_then_ok(app: Flask, client: FlaskClient):
    assert client.get("/healthz").get_json()["status"] == "starting"
    assert client.get("/healthz?strict=1").status_code == 503
    platform_health.worker_heartbeat()
    health.clear_cache()
    answer = client.get("/healthz").get_json()
    assert answer["status"] in {"ok", "degraded"} and answer["checks"]["worker"] is True


def test_the_answer_is_reused_for_a_few_seconds(app: Flask, client: FlaskClient,
                                                monkeypatch: pytest.MonkeyPatch):
    from likeness.staff import operations

    calls: list[int] = []
    real = operations.check_and_alert
    monkeypatch.setattr(operations, "check_and_alert", lambda: calls.append(1) or real())
    for _ in range(5):
        client.get("/healthz", environ_base=OUTSIDE)
    assert len(calls) == 1  # one round of database, Redis and storage checks


def test_the_public_probe_is_rate_limited(app: Flask, client: FlaskClient):
    app.config["HEALTH_LIMIT"] = "3 per minute"
    statuses = [client.get("/healthz", environ_base=OUTSIDE).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/healthz").status_code == 200  # this machine is never limited
