"""Items 2 and 3: the portal cannot be used to bomb a mailbox or relay phishing, and
behind a proxy every client has its own budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.app import create_app
from likeness.models import SubjectRequest
from tests.conftest import make_config
from tests.support.helpers import csrf_token_from, run_jobs

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _ask_manage_link(client: FlaskClient, email: str, **headers: str) -> int:
    page = client.get("/consent", headers=headers)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/consent", data={"email": email, "csrf_token": token},
                       headers=headers).status_code


def test_spellings_of_one_address_share_its_limit(app: Flask, client: FlaskClient):
    spellings = ["dana+1@example.org", "Ｄａｎａ@example.org", "DANA+news@Example.ORG",
                 "dana@example.org"]
    statuses = [_ask_manage_link(client, address) for address in spellings]
    assert statuses == [200, 200, 200, 429]


def test_gmail_dots_and_googlemail_count_as_one_mailbox(app: Flask, client: FlaskClient):
    spellings = ["dana.vries@gmail.com", "d.a.n.a.v.r.i.e.s@gmail.com",
                 "DanaVries+x@googlemail.com", "danavries@gmail.com"]
    statuses = [_ask_manage_link(client, address) for address in spellings]
    assert statuses == [200, 200, 200, 429]


def test_dots_elsewhere_are_different_mailboxes(app: Flask, client: FlaskClient):
    spellings = ["dana.vries@example.org", "danavries@example.org", "d.anavries@example.org",
                 "da.navries@example.org"]
    assert [_ask_manage_link(client, address) for address in spellings] == [200] * 4


@pytest.mark.parametrize("name", ["Dana\nClick http://evil.example/win", "Dana\r\nBcc: x@y.z",
                                  "Dana\u202egnp.exe", "Dana\x1b[31m"])
def test_a_name_with_line_breaks_or_control_characters_is_refused(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, name: str
):
    page = client.get("/request")
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": name, "email": "dana@example.org", "details": "At the summer party",
        "language": "en"})
    assert response.status_code == 400
    assert "one line of plain text" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
    run_jobs()
    assert mailbox.to("dana@example.org") == []


def test_the_mail_to_an_unverified_address_echoes_nothing_the_sender_typed(
    app: Flask, client: FlaskClient, mailbox: Any
):
    page = client.get("/request")
    client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "Win a prize at evil.example", "email": "victim@example.org",
        "details": "Visit http://evil.example/login now", "language": "en"})
    run_jobs()
    (message,) = mailbox.to("victim@example.org")
    body = message.get_payload(decode=True).decode()
    assert "evil.example" not in body and "Win a prize" not in body
    assert "/request/verify/" in body


@pytest.fixture
def proxied(tmp_path: Path, redis_url: str, smtp_server: Any) -> Any:
    """An app behind `hops` proxies, on its own SQLite file (its commits are real)."""
    from flask_migrate import upgrade

    def make(hops: int) -> Flask:
        url = f"sqlite:///{tmp_path / f'hops{hops}.db'}"
        config = make_config(tmp_path / f"hops{hops}", url, redis_url, smtp_server[0])
        config["TRUSTED_PROXY_HOPS"] = hops
        made = create_app(config)
        with made.app_context():
            upgrade()
        return made

    return make


def _budget_used_up(app: Flask, client_addresses: list[str]) -> list[int]:
    from likeness.extensions import limiter

    with app.app_context():
        limiter.reset()
    client = app.test_client()
    statuses = []
    for n, address in enumerate(client_addresses):
        page = client.get("/consent", headers={"X-Forwarded-For": address})
        token = csrf_token_from(page.get_data(as_text=True))
        statuses.append(client.post("/consent", data={
            "email": f"person{n}@example.org", "csrf_token": token},
            headers={"X-Forwarded-For": address}).status_code)
    return statuses


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(app: Flask, proxied: Any):
    # Eleven people behind the TLS proxy: the per-IP limit is ten per hour per client.
    statuses = _budget_used_up(proxied(1), [f"203.0.113.{n}" for n in range(1, 12)])
    assert 429 not in statuses


def test_without_a_trusted_proxy_a_client_cannot_choose_its_address(app: Flask, proxied: Any):
    statuses = _budget_used_up(proxied(0), [f"203.0.113.{n}" for n in range(1, 12)])
    assert statuses[-1] == 429


def test_one_client_behind_the_proxy_still_hits_its_limit(app: Flask, proxied: Any):
    statuses = _budget_used_up(proxied(1), ["198.51.100.7"] * 11)
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
