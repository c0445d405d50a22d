"""Staff accounts under attack: no lock-out of the owner, strong passwords, sessions that
end, a fresh CSRF token at login, and two-factor authentication for the powerful roles."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.app import create_app
from likeness.config import ConfigError, check_secret_key
from likeness.errors import InvalidInput
from likeness.models import StaffRecoveryCode, utcnow
from likeness.staff import accounts, two_factor
from tests.support.helpers import csrf_token_from, enter_code, login, totp_now

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

PASSWORD = "correct horse 42"


# --- item 4: no lock-out, progressive delay for unknown browsers ---------------------

def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(app: Flask, make_staff: Any):
    admin = make_staff("librarian")
    owner = app.test_client()
    assert login(owner, admin.email, PASSWORD).status_code == 302  # a known browser now
    owner.post("/admin/logout", data={"csrf_token": csrf_token_from(
        owner.get("/admin/").get_data(as_text=True))})
    attacker = app.test_client()
    statuses = [login(attacker, admin.email, "wrong password!!").status_code
                for _ in range(8)]
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    # The owner's browser is not slowed down by someone else's guesses.
    assert login(owner, admin.email, PASSWORD).status_code == 302


def test_the_delay_for_an_unknown_browser_grows_and_then_passes(app: Flask, make_staff: Any):
    user = make_staff("librarian")
    client = app.test_client()
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(5):
            assert login(client, user.email, "wrong password!!").status_code == 200
        throttled = login(client, user.email, PASSWORD)
        assert throttled.status_code == 429
        assert "Try again in 1 minute" in throttled.get_data(as_text=True)
        clock.shift(timedelta(seconds=61))
        assert login(client, user.email, "wrong password!!").status_code == 200  # 6th
        clock.shift(timedelta(seconds=61))
        assert login(client, user.email, PASSWORD).status_code == 429  # now 2 minutes
        clock.shift(timedelta(seconds=60))
        assert login(client, user.email, PASSWORD).status_code == 302


# --- item 4: passwords ---------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "password1234", "qwertyuiop123", "Password2024!", "iloveyou12345",  # common / breached
    "Likeness2026!!", "likeness-is-great-1",  # the product's name
    "dana.vries1975", "vries@example99",  # the account's own address
    "Summer2024!!!",  # a pattern too easy to guess
])
def test_common_breached_and_personal_passwords_are_refused(app: Flask, password: str):
    with pytest.raises(InvalidInput):
        accounts.create_staff("dana.vries@example.org", "viewer", password=password)


@pytest.mark.parametrize("password", [
    "correcthorsebatterystaple", "Correct Horse Battery Staple",  # published examples
    "aboxfullofsharpobjects",  # breached, and zxcvbn alone estimates 10^16 guesses
])
def test_passwords_from_the_shipped_breach_list_are_refused(app: Flask, password: str):
    with pytest.raises(InvalidInput, match="leaked passwords"):
        accounts.create_staff("dana.vries@example.org", "viewer", password=password)


def test_the_shipped_breach_list_is_large_and_offline():
    from likeness.staff import breached

    assert breached.size() >= 100_000
    assert breached.is_breached("123456") and not breached.is_breached("tulip orbit marble 7")


def test_a_long_unrelated_passphrase_is_accepted(app: Flask):
    user, _ = accounts.create_staff("dana.vries@example.org", "viewer",
                                    password="tulip orbit marble 7")
    assert user.id


# --- item 4: session limits, CSRF at login, SECRET_KEY --------------------------------

def test_an_idle_session_ends_after_30_minutes(app: Flask, client: FlaskClient,
                                               make_staff: Any):
    user = make_staff("librarian")
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, user.email, PASSWORD)
        clock.shift(timedelta(minutes=29))
        assert client.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/admin/")
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
        assert "Your session has ended" in client.get(
            response.headers["Location"]).get_data(as_text=True)


def test_pages_within_a_minute_leave_the_session_cookie_alone(app: Flask, client: FlaskClient,
                                                               make_staff: Any):
    # Parallel requests (face crops, the people lookup) each answer with the cookie as it
    # was when they started; if they all set it, the last one erases a form's message.
    user = make_staff("librarian")
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, user.email, PASSWORD)
        client.get("/admin/")  # the first page makes the session's CSRF token
        clock.shift(timedelta(seconds=30))
        assert "Set-Cookie" not in client.get("/admin/").headers
        clock.shift(timedelta(minutes=2))
        assert "Set-Cookie" in client.get("/admin/").headers  # last-seen moves on


def test_an_active_session_still_ends_after_12_hours(app: Flask, client: FlaskClient,
                                                     make_staff: Any):
    user = make_staff("librarian")
    with time_machine.travel(utcnow(), tick=False) as clock:
        login(client, user.email, PASSWORD)
        for _ in range(32):  # busy for 13 hours, a page every 25 minutes
            clock.shift(timedelta(minutes=25))
            if client.get("/admin/").status_code != 200:
                break
        assert client.get("/admin/").status_code == 302


def test_login_issues_a_new_csrf_token(app: Flask, client: FlaskClient, make_staff: Any):
    user = make_staff("librarian")
    before = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    login(client, user.email, PASSWORD)
    after = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    assert after != before
    # A token seen before the login no longer works after it.
    assert client.post("/admin/logout", data={"csrf_token": before}).status_code == 400


@pytest.mark.parametrize("key", [
    "short-key", "a" * 64, "passwordpasswordpasswordpassword",
    # Long and varied, but a passphrase, not hex or base64 of random bytes.
    "Tr0ub4dor&3-is-my-long-production-secret!",
    # 64 hex digits, but only 8 different bytes: a typo or a placeholder.
    "0123456789abcdef" * 4,
])
def test_production_refuses_a_short_or_guessable_secret_key(key: str):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_secret_key(key)


def test_production_accepts_a_generated_secret_key():
    import base64
    import secrets

    check_secret_key(secrets.token_hex(32))
    check_secret_key(secrets.token_urlsafe(32))
    check_secret_key(base64.b64encode(secrets.token_bytes(48)).decode())


def _production(tmp_path: Path, redis_url: str, **settings: Any) -> Flask:
    # The DPO contact is required in production too (tests/platform/test_dpo_contact_start_up.py).
    return create_app({"ENV_NAME": "production", "INSTANCE_PATH": str(tmp_path / "prod"),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
                       "REDIS_URL": redis_url, "DPO_CONTACT": "fg@example.org", **settings})


def test_production_reads_the_secret_key_from_a_file(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
):
    import secrets

    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = secrets.token_hex(32)
    (tmp_path / "secret").write_text(key + "\n")
    app = _production(tmp_path, redis_url, SECRET_KEY_FILE=str(tmp_path / "secret"),
                      TRUSTED_PROXY_HOPS=1)
    assert app.config["SECRET_KEY"] == key
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        _production(tmp_path, redis_url, SECRET_KEY_FILE=str(tmp_path / "missing"),
                    TRUSTED_PROXY_HOPS=1)


def test_production_refuses_to_start_without_trusted_proxy_hops(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
):
    import secrets

    monkeypatch.delenv("TRUSTED_PROXY_HOPS", raising=False)
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS is not set"):
        _production(tmp_path, redis_url, SECRET_KEY=secrets.token_hex(32))
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "0")  # said explicitly: no proxy
    app = _production(tmp_path, redis_url, SECRET_KEY=secrets.token_hex(32))
    assert app.config["TRUSTED_PROXY_HOPS"] == 0


# --- item 5: two-factor authentication ----------------------------------------------

def test_an_admin_must_set_up_two_factor_before_anything_else(app: Flask, client: FlaskClient):
    user, _ = accounts.create_staff("boss@example.org", "admin", password=PASSWORD)
    assert login(client, user.email, PASSWORD).status_code == 302
    for path in ("/admin/", "/admin/staff", "/admin/requests"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/admin/two-factor"), path
    page = client.get("/admin/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code is inline: no request elsewhere
    secret = page.split('class="totp-secret">')[1].split("<")[0]
    wrong = client.post("/admin/two-factor", data={
        "code": "000000", "csrf_token": csrf_token_from(page)})
    assert "This code is not correct" in wrong.get_data(as_text=True)
    done = client.post("/admin/two-factor", data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token_from(page)})
    codes = done.get_data(as_text=True).split('<ul class="recovery-codes">')[1]
    assert codes.count("<li>") == 10
    assert client.get("/admin/staff").status_code == 200


@pytest.mark.parametrize("role, required", [("admin", True), ("privacy_officer", True),
                                            ("librarian", False), ("viewer", False)])
def test_two_factor_is_required_for_admins_and_privacy_officers(app: Flask, role: str,
                                                                 required: bool):
    user, _ = accounts.create_staff(f"{role}@example.org", role, password=PASSWORD)
    assert two_factor.is_required(user) is required


def test_login_needs_the_current_code_and_a_code_works_once(app: Flask, make_staff: Any):
    admin = make_staff("admin")  # enrolled (tests/conftest.py)
    client = app.test_client()
    page = client.get("/admin/login")
    response = client.post("/admin/login", data={
        "email": admin.email, "password": PASSWORD,
        "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.headers["Location"].endswith("/admin/login/code")
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    assert "This code is not correct" in enter_code(client, "123456").get_data(as_text=True)
    code = totp_now(admin.email, fresh=True)
    assert enter_code(client, code).status_code == 302
    assert client.get("/admin/").status_code == 200
    # The same code, replayed in another browser, is refused.
    other = app.test_client()
    page = other.get("/admin/login")
    other.post("/admin/login", data={"email": admin.email, "password": PASSWORD,
                                     "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert enter_code(other, code).status_code == 200
    assert other.get("/admin/").status_code == 302


def test_a_recovery_code_stands_in_for_the_phone_once(app: Flask, client: FlaskClient, db: Any):
    user, _ = accounts.create_staff("dpo@example.org", "privacy_officer", password=PASSWORD)
    secret = two_factor.begin_enrolment(user.id)
    codes = two_factor.confirm_enrolment(user.id, pyotp.TOTP(secret).now())
    stored = db.session.scalars(select(StaffRecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h.upper() for h in stored for code in codes)
    for attempt, expected in ((codes[3], 302), (codes[3], 200)):
        browser = app.test_client()
        page = browser.get("/admin/login")
        browser.post("/admin/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token_from(
                                               page.get_data(as_text=True))})
        assert enter_code(browser, attempt.lower()).status_code == expected
    assert two_factor.recovery_codes_left(user) == 9


def test_the_totp_secret_is_not_stored_in_clear(app: Flask, make_staff: Any, db: Any):
    admin = make_staff("admin")
    secret = two_factor._open(admin.totp_secret)
    assert secret.encode() not in admin.totp_secret


# --- issue 31: the second step's limit counts wrong codes only ------------------------

def test_correct_codes_do_not_use_up_the_second_steps_limit(app: Flask, make_staff: Any):
    user = make_staff("admin")
    client = app.test_client()
    for _ in range(6):  # six logins within five minutes (the limit is 5 per 5 minutes)
        client.delete_cookie("session")
        assert login(client, user.email, PASSWORD).status_code == 302


def test_wrong_codes_are_limited_per_account_and_address(app: Flask, make_staff: Any):
    user = make_staff("admin")

    def second_step_from(address: str, client: FlaskClient | None = None) -> FlaskClient:
        client = client or app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        page = client.get("/admin/login")
        client.post("/admin/login", data={
            "email": user.email, "password": PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True))})
        return client

    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "203.0.113.20"
    assert login(owner, user.email, PASSWORD).status_code == 302  # the owner's browser
    owner.delete_cookie("session")
    guesser = second_step_from("198.51.100.7")
    statuses = [enter_code(guesser, "000000").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    second_step_from("203.0.113.20", owner)  # the owner, elsewhere, is not held up
    assert enter_code(owner, totp_now(user.email, fresh=True)).status_code == 302
