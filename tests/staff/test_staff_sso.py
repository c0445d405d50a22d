"""Staff single sign-on against a real OpenID Connect provider on loopback: signing in,
roles, and the tokens that must be refused (see tests/support/sso_provider.py)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from likeness.platform import embedded_redis
from likeness.staff import accounts, sso
from tests.support.helpers import csrf_token_from, free_port, login
from tests.support.sso_provider import (
    CLIENT_ID,
    PROVIDER,
    audit,
    choose_account,
    idp_user,
    oidc_provider,
    refusals,
    set_claims,
    settings,
    sign_in,
    sso_account,
    start,
)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture
def app_overrides(provider: str) -> dict[str, Any]:
    return settings(provider)

# --- signing in ----------------------------------------------------------------------


def test_first_sign_in_makes_an_account_keyed_on_issuer_and_subject(
        client: FlaskClient, provider: str):
    login_page = client.get("/admin/login").get_data(as_text=True)
    assert f"Sign in with {PROVIDER}" in login_page
    sub = idp_user(provider, email="Anna@Example.org", name="Anna",
                   roles=["Likeness.librarian"])

    authorize_url = start(client)
    query = parse_qs(urlsplit(authorize_url).query)
    # Authorization code with PKCE (S256), a nonce and a state; max_age caps the session.
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["nonce"][0] and query["state"][0] and query["code_challenge"][0]
    assert query["max_age"] == [str(8 * 3600)]
    response = client.get(choose_account(authorize_url, sub))

    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200 and "anna@example.org" in dashboard.get_data(as_text=True)
    user = sso_account(provider, sub)
    assert user is not None and user.role == "librarian" and user.name == "Anna"
    # No password opens it: not the empty one, not the marker.
    assert accounts.authenticate("anna@example.org", "") is None
    assert accounts.authenticate("anna@example.org", sso.NO_PASSWORD) is None
    logins = audit("staff.login")
    assert logins[-1].subject == user.audit_ref and logins[-1].details["method"] == "sso"
    assert "anna" not in json.dumps([e.details for e in audit("staff.created")]).lower()


def test_the_account_follows_the_subject_not_the_email(client: FlaskClient, provider: str):
    sub = idp_user(provider, email="bob@example.org", roles=["Likeness.viewer"])
    sign_in(client, sub)
    first = sso_account(provider, sub)
    assert first is not None
    client.post("/admin/logout", data={"csrf_token": csrf_token_from(
        client.get("/admin/").get_data(as_text=True))})
    set_claims(provider, sub, email="robert@example.org", roles=["Likeness.viewer"])
    assert sign_in(client, sub).status_code == 302
    assert sso_account(provider, sub).id == first.id
    assert sso_account(provider, sub).email == "robert@example.org"  # alerts follow it
    # Someone else who claims Bob's address does not get Bob's account (nor one of their
    # own with his address).
    other = idp_user(provider, email="robert@example.org", roles=["Likeness.admin"],
                     amr=["mfa"])
    response = sign_in(client.application.test_client(), other)
    assert response.status_code == 403
    assert "already exists" in response.get_data(as_text=True)
    assert sso_account(provider, other) is None


def test_without_an_address_from_the_provider_the_account_gets_no_mail(
        client: FlaskClient, provider: str):
    sub = idp_user(provider, roles=["Likeness.privacy_officer"], amr=["mfa"])
    assert sign_in(client, sub).headers["Location"] == "/admin/"
    user = sso_account(provider, sub)
    assert user is not None and user.email.endswith(sso.NO_EMAIL_DOMAIN)
    assert user.email not in accounts.alert_recipients()


def test_roles_claim_is_mapped_to_the_strongest_likeness_role(
        app: Flask, client: FlaskClient, provider: str):
    sub = idp_user(provider, roles=["Likeness.viewer", "Likeness.privacy_officer",
                                    "Finance.reader"], amr=["pwd", "mfa"])
    sign_in(client, sub)
    assert sso_account(provider, sub).role == "privacy_officer"
    assert client.get("/admin/requests").status_code == 200
    assert client.get("/admin/staff").status_code == 403  # admins only

    # The claim name and the mapping are settings.
    app.config.update(OIDC_ROLES_CLAIM="app_roles", OIDC_ROLE_MAP="LK-Admins=admin")
    admin_sub = idp_user(provider, app_roles=["LK-Admins"], amr=["mfa"])
    second = app.test_client()
    sign_in(second, admin_sub)
    assert sso_account(provider, admin_sub).role == "admin"
    assert second.get("/admin/staff").status_code == 200


def test_no_mapped_role_means_no_access_and_no_account(client: FlaskClient, provider: str):
    sub = idp_user(provider, email="guest@example.org", roles=["Finance.reader"])
    response = sign_in(client, sub)
    assert response.status_code == 403
    assert "has no Likeness role" in response.get_data(as_text=True)
    assert sso_account(provider, sub) is None
    assert not audit("staff.created")
    assert client.get("/admin/").status_code == 302
    assert refusals()[-1] == "no_role"


def test_a_role_removed_between_sign_ins_switches_the_account_off(
        app: Flask, client: FlaskClient, provider: str, make_staff: Any):
    sub = idp_user(provider, roles=["Likeness.librarian"])
    laptop = app.test_client()
    sign_in(laptop, sub)
    assert laptop.get("/admin/").status_code == 200

    set_claims(provider, sub, roles=[])  # a leaver, removed at the provider
    response = sign_in(client, sub)
    assert response.status_code == 403
    user = sso_account(provider, sub)
    assert user is not None and user.is_active is False
    assert laptop.get("/admin/").status_code == 302  # its open session ended too
    assert audit("staff.deactivated")[-1].actor == "identity_provider"

    # Given a role again at the provider: back in, with the new role.
    set_claims(provider, sub, roles=["Likeness.viewer"])
    assert sign_in(client, sub).headers["Location"] == "/admin/"
    assert sso_account(provider, sub).is_active and sso_account(provider, sub).role == "viewer"

    # An admin's own deactivation in Likeness is not undone by the provider.
    accounts.set_active(user.id, False, actor=make_staff("admin"))
    refused = sign_in(app.test_client(), sub)
    assert refused.status_code == 403 and "deactivated" in refused.get_data(as_text=True)


# --- tokens that must be refused -----------------------------------------------------


def foreign_token(authorize_url: str, sub: str, *, host: str, client_id: str,
                  nonce: str | None = None) -> dict[str, Any]:
    """A real token response from the provider for our sign-in's nonce (or `nonce`), but
    asked for at `host` (its issuer) by `client_id` (its audience)."""
    ours = parse_qs(urlsplit(authorize_url).query)
    query = {"response_type": "code", "client_id": client_id, "scope": "openid email",
             "redirect_uri": ours["redirect_uri"][0], "nonce": nonce or ours["nonce"][0],
             "state": "x"}
    answer = requests.post(f"{host}/oauth2/authorize?{urlencode(query)}", data={"sub": sub},
                           allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = requests.post(f"{host}/oauth2/token", auth=(client_id, "secret"), timeout=10,
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": ours["redirect_uri"][0]})
    assert token.status_code == 200, token.text
    return dict(token.json())


def callback_with(client: FlaskClient, authorize_url: str, token: dict[str, Any],
                  monkeypatch: pytest.MonkeyPatch) -> Any:
    """Our callback, with the code exchange answered by `token` (a real token)."""
    monkeypatch.setattr(sso.client(), "fetch_access_token", lambda **_kw: token)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    return client.get(f"/admin/login/sso/callback?code=anything&state={state}")


def test_a_token_from_another_issuer_is_refused(client: FlaskClient, provider: str,
                                                monkeypatch: pytest.MonkeyPatch):
    sub = idp_user(provider, roles=["Likeness.admin"], amr=["mfa"])
    authorize_url = start(client)
    other_issuer = provider.replace("localhost", "127.0.0.1")  # same key, other issuer
    token = foreign_token(authorize_url, sub, host=other_issuer, client_id=CLIENT_ID)
    response = callback_with(client, authorize_url, token, monkeypatch)
    assert response.status_code == 403
    assert "could not be verified" in response.get_data(as_text=True)
    assert sso_account(provider, sub) is None and sso_account(other_issuer, sub) is None
    assert client.get("/admin/").status_code == 302
    assert refusals()[-1] == "claim:iss"


def test_a_token_for_another_client_is_refused(client: FlaskClient, provider: str,
                                               monkeypatch: pytest.MonkeyPatch):
    sub = idp_user(provider, roles=["Likeness.admin"], amr=["mfa"])
    authorize_url = start(client)
    token = foreign_token(authorize_url, sub, host=provider, client_id="payroll-app")
    response = callback_with(client, authorize_url, token, monkeypatch)
    assert response.status_code == 403
    assert sso_account(provider, sub) is None
    assert refusals()[-1] == "claim:aud"


def test_a_tampered_id_token_is_refused(client: FlaskClient, provider: str,
                                        monkeypatch: pytest.MonkeyPatch):
    sub = idp_user(provider, roles=["Likeness.viewer"])
    authorize_url = start(client)
    token = foreign_token(authorize_url, sub, host=provider, client_id=CLIENT_ID)
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["Likeness.admin"]  # promote oneself; the signature stays
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    token["id_token"] = f"{header}.{forged}.{signature}"
    response = callback_with(client, authorize_url, token, monkeypatch)
    assert response.status_code == 403
    assert sso_account(provider, sub) is None
    assert refusals()[-1] == "signature"


def test_a_token_for_another_sign_in_is_refused(client: FlaskClient, provider: str,
                                                monkeypatch: pytest.MonkeyPatch):
    # A valid token of this person, but made for another sign-in (its nonce): replayed.
    sub = idp_user(provider, roles=["Likeness.admin"], amr=["mfa"])
    authorize_url = start(client)
    token = foreign_token(authorize_url, sub, host=provider, client_id=CLIENT_ID,
                          nonce="an-earlier-sign-in")
    assert callback_with(client, authorize_url, token, monkeypatch).status_code == 403
    assert sso_account(provider, sub) is None
    assert refusals()[-1] == "claim:nonce"


def test_an_old_authentication_at_the_provider_is_refused(client: FlaskClient, provider: str):
    nine_hours_ago = int(time.time()) - 9 * 3600
    sub = idp_user(provider, roles=["Likeness.viewer"], auth_time=nine_hours_ago)
    response = sign_in(client, sub)
    assert response.status_code == 403 and "too old" in response.get_data(as_text=True)
    assert refusals()[-1] == "auth_time"


def test_a_replayed_state_is_refused(app: Flask, client: FlaskClient, provider: str):
    sub = idp_user(provider, roles=["Likeness.viewer"])
    callback = choose_account(start(client), sub)
    cookie_before = client.get_cookie("session")
    assert cookie_before is not None
    assert client.get(callback).headers["Location"] == "/admin/"
    client.post("/admin/logout", data={"csrf_token": csrf_token_from(
        client.get("/admin/").get_data(as_text=True))})

    again = client.get(callback)  # the same browser: its state was used up
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    assert refusals()[-1] == "state"

    # Someone who kept the cookie from before the callback: the state is gone server-side.
    thief = app.test_client()
    thief.set_cookie("session", cookie_before.value)
    stolen = thief.get(callback)
    assert stolen.status_code == 400
    assert thief.get("/admin/").status_code == 302
    assert refusals()[-1] == "state"


def test_a_callback_that_never_started_here_is_refused(client: FlaskClient, provider: str):
    sub = idp_user(provider, roles=["Likeness.viewer"])
    callback = choose_account(start(client.application.test_client()), sub)
    response = client.get(callback)  # another browser's sign-in (login CSRF)
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_another_tenant_is_refused(app: Flask, client: FlaskClient, provider: str):
    app.config["OIDC_TENANT_ID"] = "our-tenant"
    outsider = idp_user(provider, tid="their-tenant", roles=["Likeness.admin"], amr=["mfa"])
    assert sign_in(client, outsider).status_code == 403
    assert refusals()[-1] == "tenant"
    insider = idp_user(provider, tid="our-tenant", roles=["Likeness.viewer"])
    assert sign_in(app.test_client(), insider).headers["Location"] == "/admin/"


# --- bad input and a provider that is away --------------------------------------------


def test_bad_callbacks_get_a_clear_answer(client: FlaskClient, provider: str):
    bare = client.get("/admin/login/sso/callback")
    assert bare.status_code == 400 and "already used or has expired" in bare.get_data(
        as_text=True)
    start(client)
    cancelled = client.get("/admin/login/sso/callback?error=access_denied&state=whatever")
    assert cancelled.status_code == 403
    assert "could not be verified" in cancelled.get_data(as_text=True)
    assert refusals()[-1] == "provider:access_denied"
    hostile = client.get("/admin/login/sso/callback?code=%27%3B--&state=%3Cscript%3E"
                         "&error_description=%3Cscript%3Ealert(1)%3C/script%3E")
    assert hostile.status_code == 400 and "<script>" not in hostile.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    # An open redirect through `next` is not possible.
    authorize_url = client.get("/admin/login/sso?next=//evil.example").headers["Location"]
    sub = idp_user(provider, roles=["Likeness.viewer"])
    assert client.get(choose_account(authorize_url, sub)).headers["Location"] == "/admin/"


def test_a_provider_that_cannot_be_reached_gets_a_503_and_passwords_still_work(
        app: Flask, client: FlaskClient, make_staff: Any):
    app.config["OIDC_ISSUER"] = f"http://localhost:{free_port()}"  # nobody listens there
    response = client.get("/admin/login/sso")
    assert response.status_code == 503
    assert f"{PROVIDER} cannot be reached just now" in response.get_data(as_text=True)
    assert refusals()[-1] == "provider_unreachable"
    admin = make_staff("admin")
    assert login(client, admin.email, "correct horse 42").status_code == 302


def test_without_single_sign_on_there_is_no_button_and_no_route(app: Flask,
                                                                client: FlaskClient):
    app.config["OIDC_ISSUER"] = ""
    assert "Sign in with" not in client.get("/admin/login").get_data(as_text=True)
    assert client.get("/admin/login/sso").status_code == 404
    assert client.get("/admin/login/sso/callback?code=x&state=y").status_code == 404


def test_with_redis_down_sign_in_says_try_again_and_lets_nobody_in(
        app: Flask, client: FlaskClient, provider: str, tmp_path: Path):
    sub = idp_user(provider, roles=["Likeness.viewer"])
    own_redis = tmp_path / "own-redis"
    app.config["REDIS_URL"] = embedded_redis.ensure_running(own_redis)
    app.extensions.pop("likeness.redis", None)
    try:
        callback = choose_account(start(client), sub)
    finally:
        embedded_redis.stop(own_redis)  # the sign-in state is out of reach now
    response = client.get(callback)
    assert response.status_code == 503
    assert client.get("/admin/").status_code == 302
    assert sso_account(provider, sub) is None
    assert client.get("/admin/login/sso").status_code == 503
