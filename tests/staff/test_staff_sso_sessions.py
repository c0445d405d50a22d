"""Staff single sign-on: the second factor, sessions, break-glass passwords and the
settings (a real OpenID Connect provider on loopback, see tests/support/sso_provider.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from likeness.config import ConfigError, load_config
from tests.support.helpers import (
    csrf_token_from,
    enrol_two_factor,
    enter_code,
    free_port,
    login,
    totp_now,
)
from tests.support.sso_provider import (
    audit,
    idp_user,
    oidc_provider,
    set_claims,
    settings,
    sign_in,
    sso_account,
)


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture
def app_overrides(provider: str) -> dict[str, Any]:
    return settings(provider)

# --- second factor ---------------------------------------------------------------------


def test_mfa_asserted_by_the_provider_skips_our_code(client: FlaskClient, provider: str):
    sub = idp_user(provider, roles=["Likeness.admin"], amr=["pwd", "mfa"])
    response = sign_in(client, sub)
    assert response.headers["Location"] == "/admin/"
    # Admins must have two-factor; the provider's counts, so no set-up is asked for.
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/staff").status_code == 200
    assert audit("staff.login")[-1].details["mfa_by_provider"] is True


def test_mfa_by_acr_value_counts_when_configured(app: Flask, client: FlaskClient,
                                                 provider: str):
    app.config["OIDC_MFA_ACR"] = ("urn:example:mfa",)
    sub = idp_user(provider, roles=["Likeness.admin"], acr="urn:example:mfa")
    sign_in(client, sub)
    assert client.get("/admin/").status_code == 200


def test_without_mfa_from_the_provider_our_code_is_asked(client: FlaskClient, provider: str):
    sub = idp_user(provider, email="dpo@example.org", roles=["Likeness.privacy_officer"],
                   amr=["pwd"])
    sign_in(client, sub)
    # A privacy officer must have two-factor: without the provider's, set up ours first.
    assert client.get("/admin/").headers["Location"] == "/admin/two-factor"
    client.post("/admin/logout", data={"csrf_token": csrf_token_from(
        client.get("/admin/two-factor").get_data(as_text=True))})

    enrol_two_factor(sso_account(provider, sub))
    response = sign_in(client, sub)
    assert response.headers["Location"] == "/admin/login/code"
    assert client.get("/admin/").status_code == 302  # not in before the code
    assert enter_code(client, totp_now("dpo@example.org", fresh=True)).status_code == 302
    assert client.get("/admin/").status_code == 200


# --- sessions and break-glass ---------------------------------------------------------


def test_sign_out_ends_the_local_session(client: FlaskClient, provider: str):
    sign_in(client, idp_user(provider, roles=["Likeness.viewer"]))
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302
    assert audit("staff.logout")


def test_a_single_sign_on_session_lasts_at_most_eight_hours(
        app: Flask, client: FlaskClient, provider: str, make_staff: Any):
    app.config["SESSION_IDLE_MINUTES"] = 24 * 60  # only the maximum age matters here
    password_user = make_staff("librarian")
    with_password = app.test_client()
    # From now: the provider's token is checked against this clock.
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        sign_in(client, idp_user(provider, roles=["Likeness.viewer"]))
        login(with_password, password_user.email, "correct horse 42")
        clock.shift(7 * 3600 + 59 * 60)
        assert client.get("/admin/").status_code == 200
        clock.shift(2 * 60)
        ended = client.get("/admin/")
        assert ended.status_code == 302 and ended.headers["Location"].startswith("/admin/login")
        assert with_password.get("/admin/").status_code == 200  # 12 hours for passwords


def test_password_login_can_be_kept_for_admins_only(app: Flask, client: FlaskClient,
                                                    make_staff: Any):
    app.config["LOCAL_LOGIN"] = "admins"
    librarian, admin = make_staff("librarian"), make_staff("admin")
    page = client.get("/admin/login").get_data(as_text=True)
    assert "for administrators only" in page
    refused = login(client, librarian.email, "correct horse 42")
    assert refused.status_code == 200
    assert "Email or password is not correct." in refused.get_data(as_text=True)
    assert audit("staff.login_failed")[-1].details["reason"] == "local_login_off"
    assert login(app.test_client(), admin.email, "correct horse 42").status_code == 302


# --- settings ------------------------------------------------------------------------


@pytest.mark.parametrize("issuer, tenant, message", [
    ("https://login.microsoftonline.com/common/v2.0", "", "multi-tenant"),
    ("https://login.microsoftonline.com/organizations/v2.0", "", "multi-tenant"),
    ("https://login.microsoftonline.com/1b2c3d4e-0000-4000-8000-000000000001/v2.0", "",
     "OIDC_TENANT_ID"),
    ("https://login.microsoftonline.com/1b2c3d4e-0000-4000-8000-000000000001/v2.0",
     "99999999-0000-4000-8000-000000000009", "OIDC_TENANT_ID"),
    ("http://idp.example.org", "", "https"),
])
def test_settings_that_would_let_the_wrong_people_in_stop_start_up(
        issuer: str, tenant: str, message: str):
    with pytest.raises(ConfigError, match=message):
        load_config({"ENV_NAME": "production", "SECRET_KEY": secrets.token_hex(32),
                     "OIDC_ISSUER": issuer, "OIDC_TENANT_ID": tenant,
                     "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s"})


def test_settings_for_an_entra_tenant_are_accepted_and_checked():
    tenant = "1b2c3d4e-0000-4000-8000-000000000001"
    base = {"ENV_NAME": "production", "SECRET_KEY": secrets.token_hex(32),
            "DPO_CONTACT": "fg@example.org", "TRUSTED_PROXY_HOPS": 0,
            "OIDC_ISSUER": f"https://login.microsoftonline.com/{tenant}/v2.0",
            "OIDC_TENANT_ID": tenant, "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s"}
    assert load_config(base)["OIDC_ROLES_CLAIM"] == "roles"
    with pytest.raises(ConfigError, match="OIDC_CLIENT_SECRET"):
        load_config({**base, "OIDC_CLIENT_SECRET": ""})
    with pytest.raises(ConfigError, match="OIDC_ROLE_MAP"):
        load_config({**base, "OIDC_ROLE_MAP": "Likeness.Boss=superuser"})
    with pytest.raises(ConfigError, match="between 1 and 8"):
        load_config({**base, "OIDC_SESSION_MAX_HOURS": 12})
    with pytest.raises(ConfigError, match="LOCAL_LOGIN=admins needs"):
        load_config({"ENV_NAME": "testing", "LOCAL_LOGIN": "admins"})


def test_the_staff_list_tells_single_sign_on_accounts_apart(app: Flask, client: FlaskClient,
                                                           provider: str):
    leaver = idp_user(provider, email="leaver@example.org", roles=["Likeness.viewer"])
    sign_in(app.test_client(), leaver)
    set_claims(provider, leaver, email="leaver@example.org", roles=[])
    sign_in(app.test_client(), leaver)  # refused: the account is switched off
    admin_sub = idp_user(provider, email="boss@example.org", roles=["Likeness.admin"],
                         amr=["mfa"])
    sign_in(client, admin_sub)
    page = client.get("/admin/staff").get_data(as_text=True)
    row = page.split("leaver@example.org")[1].split("</tr>")[0]
    assert "single sign-on" in row and "no role at the identity provider" in row
    # Their password is the provider's: no password page in the menu.
    assert 'href="/admin/password"' not in page


def test_sso_check_tells_the_operator_whether_it_would_work(app: Flask, provider: str):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sso-check"])
    assert result.exit_code == 0, result.output
    assert f"OK: {provider} answers as that issuer" in result.output
    assert "/admin/login/sso/callback" in result.output

    app.config["OIDC_ISSUER"] = f"http://localhost:{free_port()}"
    app.extensions.pop("likeness.oidc_client", None)
    failed = runner.invoke(args=["sso-check"])
    assert failed.exit_code == 1 and "cannot be read" in failed.output

    app.config["OIDC_ISSUER"] = ""
    assert "Single sign-on is off" in runner.invoke(args=["sso-check"]).output
