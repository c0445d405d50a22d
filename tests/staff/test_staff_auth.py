"""Staff accounts: login, throttling, roles, sessions that end server-side."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.models import AuditEvent, StaffUser
from likeness.staff import accounts
from tests.support.helpers import csrf_token_from, login

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

PASSWORD = "correct horse 42"


def test_admin_pages_need_a_login(client: FlaskClient):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_login_with_the_right_password_opens_the_dashboard(client: FlaskClient, make_staff: Any):
    user = make_staff("librarian")
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert user.email in dashboard.get_data(as_text=True)


def test_password_is_stored_as_argon2id(make_staff: Any):
    user = make_staff()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_wrong_password_and_unknown_email_get_the_same_answer(client: FlaskClient,
                                                             make_staff: Any):
    user = make_staff()
    wrong_password = login(client, user.email, "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.org", PASSWORD).get_data(as_text=True)
    message = "Email or password is not correct."
    assert message in wrong_password
    assert message in unknown


def test_sixth_wrong_password_is_throttled_with_a_friendly_page(client: FlaskClient,
                                                                make_staff: Any):
    user = make_staff()
    for _ in range(5):
        assert login(client, user.email, "wrong password!!").status_code == 200
    throttled = login(client, user.email, "wrong password!!")
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.get_data(as_text=True)
    # Even the right password waits now: an attacker learns nothing from a hit.
    assert login(client, user.email, PASSWORD).status_code == 429


def test_throttling_per_ip_covers_many_emails(app: Flask, client: FlaskClient):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        assert login(client, f"guess{n}@example.org", "whatever pass").status_code == 200
    assert login(client, "guess9@example.org", "whatever pass").status_code == 429


def test_viewer_cannot_reach_admin_only_actions(client: FlaskClient, logged_in: Any):
    logged_in("viewer")
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/staff").status_code == 403
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(
        "/admin/staff", data={"email": "new@example.org", "role": "admin", "csrf_token": token}
    )
    assert response.status_code == 403
    assert accounts.find_by_email("new@example.org") is None


def test_admin_creates_and_deactivates_staff(client: FlaskClient, logged_in: Any, app: Flask):
    logged_in("admin")
    token = csrf_token_from(client.get("/admin/staff").get_data(as_text=True))
    created = client.post(
        "/admin/staff",
        data={"email": "Lib@Example.org", "name": "Lib", "role": "librarian", "csrf_token": token},
        follow_redirects=True,
    )
    page = created.get_data(as_text=True)
    assert "can now log in with this one-time password" in page
    one_time = page.split('class="one-time-password">')[1].split("<")[0]
    # Shown on the page only: never in a flash message (the session cookie).
    assert not any(one_time in c for c in created.headers.getlist("Set-Cookie"))
    assert one_time not in client.get("/admin/staff").get_data(as_text=True)
    member = accounts.find_by_email("lib@example.org")
    assert member is not None and member.role == "librarian"
    client.post(f"/admin/staff/{member.id}/active", data={"active": "0", "csrf_token": token})
    assert accounts.find_by_email("lib@example.org").is_active is False


def test_deactivated_staff_cannot_log_in_and_loses_open_sessions(app: Flask, make_staff: Any):
    user = make_staff("librarian")
    admin = make_staff("admin")
    open_session = app.test_client()
    login(open_session, user.email, PASSWORD)
    assert open_session.get("/admin/").status_code == 200
    accounts.set_active(user.id, False, actor=admin)
    assert open_session.get("/admin/").status_code == 302
    assert login(app.test_client(), user.email, PASSWORD).status_code == 200  # form again


def test_logout_ends_every_session_of_the_user(app: Flask, make_staff: Any):
    user = make_staff()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email, PASSWORD)
    login(phone, user.email, PASSWORD)
    token = csrf_token_from(laptop.get("/admin/").get_data(as_text=True))
    laptop.post("/admin/logout", data={"csrf_token": token})
    assert laptop.get("/admin/").status_code == 302
    assert phone.get("/admin/").status_code == 302


def test_password_change_keeps_this_session_ends_others_and_notifies(
    app: Flask, make_staff: Any, mailbox: Any
):
    from likeness.platform.worker import make_worker

    user = make_staff()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email, PASSWORD)
    login(phone, user.email, PASSWORD)
    token = csrf_token_from(laptop.get("/admin/password").get_data(as_text=True))
    response = laptop.post(
        "/admin/password",
        data={"current": PASSWORD, "new": "a much better pass", "confirm": "a much better pass",
              "csrf_token": token},
    )
    assert response.status_code == 302
    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302
    assert login(app.test_client(), user.email, "a much better pass").status_code == 302

    make_worker().work(burst=True)
    notices = mailbox.to(user.email)
    assert len(notices) == 1
    assert "password was changed" in notices[0]["Subject"]


def test_one_time_password_must_be_changed_first(app: Flask, client: FlaskClient):
    user, one_time = accounts.create_staff("new.admin@example.org", "admin")
    assert user.must_change_password
    login(client, user.email, one_time)
    response = client.get("/admin/staff")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/password")


def test_create_staff_command_prints_a_working_one_time_password(app: Flask, client: FlaskClient):
    result = app.test_cli_runner().invoke(
        args=["create-staff", "cli.user@example.org", "--role", "privacy_officer"]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("One-time password (change it at first login): ")[1].strip()
    assert login(client, "cli.user@example.org", password).status_code == 302
    duplicate = app.test_cli_runner().invoke(args=["create-staff", "cli.user@example.org"])
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output


def test_logins_are_audited_without_email_addresses(app: Flask, client: FlaskClient,
                                                    make_staff: Any, db: Any):
    user = make_staff()
    login(client, user.email, "wrong password!!")
    login(client, user.email, PASSWORD)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [e.action for e in events]
    assert "staff.login_failed" in actions and "staff.login" in actions
    for event in events:
        assert user.email not in repr((event.actor, event.subject, event.details))


def test_ensure_admin_creates_the_first_admin_only_once(app: Flask, db: Any):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["ensure-admin"])
    assert "One-time password" in first.output
    second = runner.invoke(args=["ensure-admin"])
    assert "no admin created" in second.output
    admins = db.session.scalars(select(StaffUser).where(StaffUser.role == "admin")).all()
    assert len(admins) == 1


# --- issue 31: limits per (address, account), known devices, freezing --------------------

def test_one_attacked_account_does_not_lock_out_a_colleague_behind_the_same_address(
    app: Flask, client: FlaskClient, make_staff: Any
):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 15 minutes"
    attacked, colleague = make_staff("librarian"), make_staff("librarian")
    for _ in range(3):
        assert login(client, attacked.email, "wrong password!!").status_code == 200
    assert login(client, attacked.email, "wrong password!!").status_code == 429
    client.delete_cookie("session")
    # Same address (one office, one proxy): the colleague's own budget is untouched.
    assert login(client, colleague.email, PASSWORD).status_code == 302


def test_the_owners_own_browser_is_never_held_up_by_the_address_limit(
    app: Flask, make_staff: Any
):
    app.config["LOGIN_LIMIT_PER_IP"] = "3 per 15 minutes"
    user = make_staff("librarian")
    owner, attacker = app.test_client(), app.test_client()
    assert login(owner, user.email, PASSWORD).status_code == 302  # a known device now
    owner.post("/admin/logout", data={"csrf_token": csrf_token_from(
        owner.get("/admin/").get_data(as_text=True))})
    for _ in range(4):
        login(attacker, user.email, "wrong password!!")
    assert login(attacker, user.email, PASSWORD).status_code == 429
    assert login(owner, user.email, PASSWORD).status_code == 302


def test_twenty_failures_in_a_row_freeze_unknown_browsers_and_mail_the_owner(
    app: Flask, make_staff: Any, mailbox: Any
):
    import time_machine

    from likeness.models import utcnow
    from likeness.staff import login_guard
    from tests.support.helpers import run_jobs

    app.config["LOGIN_LIMIT_PER_IP"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000 per minute"
    user = make_staff("librarian")
    owner, attacker = app.test_client(), app.test_client()
    assert login(owner, user.email, PASSWORD).status_code == 302
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(login_guard.FREEZE_AFTER):
            clock.shift(login_guard.MAX_DELAY + 1)  # past every pause: the slow guesser
            assert login(attacker, user.email, "wrong password!!").status_code == 200
        clock.shift(login_guard.MAX_DELAY + 1)
        frozen = login(attacker, user.email, PASSWORD)  # even the right password
        assert frozen.status_code == 429
        assert "its owner was sent an email" in frozen.get_data(as_text=True)
    run_jobs()
    (notice,) = mailbox.to(user.email)
    assert "locked for new browsers" in notice["Subject"]
    owner.delete_cookie("session")
    assert login(owner, user.email, PASSWORD).status_code == 302  # the known browser
    assert login(attacker, user.email, PASSWORD).status_code == 302  # and the lock is lifted
