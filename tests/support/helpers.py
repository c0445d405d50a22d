"""Helpers shared by every test package: jobs, forms, mail, ports."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from likeness.platform.worker import make_worker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run_jobs() -> None:
    """Run every queued job, as a worker would."""
    make_worker().work(burst=True)


def login(client: FlaskClient, email: str, password: str) -> Any:
    """Log in through the real forms, CSRF token included, and the second factor when the
    account has one (the code its authenticator app would show now)."""
    page = client.get("/admin/login")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )
    if response.status_code == 302 and response.headers["Location"].endswith("/login/code"):
        response = enter_code(client, totp_now(email, fresh=True))
    return response


def enter_code(client: FlaskClient, code: str) -> Any:
    page = client.get("/admin/login/code")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/admin/login/code", data={"code": code, "csrf_token": token})


def enrol_two_factor(user: Any) -> str:
    """Switch two-factor on for `user` as the set-up page would; returns the secret."""
    import pyotp

    from likeness.staff import two_factor

    secret = two_factor.begin_enrolment(user.id)
    two_factor.confirm_enrolment(user.id, pyotp.TOTP(secret).now())
    return secret


def totp_now(email: str, *, fresh: bool = False) -> str:
    """The account's current TOTP code. `fresh`: forget that a code of this time step
    was used already (tests log one account in several times within 30 seconds)."""
    import pyotp

    from likeness.extensions import db
    from likeness.staff import accounts, two_factor

    user = accounts.find_by_email(email)
    assert user is not None and user.totp_secret is not None
    if fresh:
        user.totp_last_step = None
        db.session.commit()
    return str(pyotp.TOTP(two_factor._open(user.totp_secret)).now())


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def link_in(message: Any, marker: str) -> str:
    """The path of the first link in an email body that contains `marker`."""
    body = message.get_payload(decode=True) if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True)
    text = body.decode()
    match = re.search(r"https?://[^\s]+(" + re.escape(marker) + r"[^\s]*)", text)
    assert match, text
    return match.group(1)


def positive_dpia_version() -> int:
    """Save a complete DPIA version that concludes the processing may go ahead: what the
    template policy `all` relies on (`likeness.library.policy_settings`). Returns its id."""
    from likeness.cockpit import dpia
    from likeness.platform.actor import CLI

    version = dpia.save(
        description="Face recognition across the image bank", necessity="Needed to find "
        "every photo of a person", risks=[dpia.Risk("Leak", "low", "high", "Encryption",
                                                    "low")],
        dpo_advice="Go ahead", conclusion="Acceptable with these measures", positive=True,
        actor=CLI)
    return version.id
