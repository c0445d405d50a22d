"""A real OpenID Connect provider on loopback for the single sign-on tests, and the steps a
person takes through it.

oidc-provider-mock runs in its own process (started here) and issues real RS256-signed
id_tokens from its own JWKS. Users and their claims (roles, amr, tid) are set through its
API; the user is picked by posting `sub` to its authorize endpoint, as a person would click
their account. Its issuer is the host it is reached by: the same server (same signing key)
reached as 127.0.0.1 is "another issuer" whose tokens carry a valid signature.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import AuditEvent, StaffUser
from tests.support.helpers import free_port

CLIENT_ID = "likeness-test"
PROVIDER = "Test IdP"


@contextmanager
def oidc_provider() -> Iterator[str]:
    """Start the provider; yields its issuer URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port",
         str(port), "--require-nonce"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    try:
        for _ in range(300):  # until it answers (or has died)
            if process.poll() is not None:
                raise RuntimeError("oidc-provider-mock did not start")
            try:
                requests.get(f"{url}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                threading.Event().wait(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def settings(provider: str) -> dict[str, Any]:
    return {"OIDC_ISSUER": provider, "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": "client-secret", "OIDC_PROVIDER_NAME": PROVIDER}


def idp_user(provider: str, **claims: Any) -> str:
    """A new user at the provider with these claims; returns its subject."""
    sub = f"user-{uuid.uuid4().hex[:10]}"
    set_claims(provider, sub, **claims)
    return sub


def set_claims(provider: str, sub: str, **claims: Any) -> None:
    response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204


def start(client: FlaskClient) -> str:
    """Click "Sign in with ..."; returns the provider's authorize URL we are sent to."""
    response = client.get("/admin/login/sso")
    assert response.status_code == 302
    return response.headers["Location"]


def choose_account(authorize_url: str, sub: str) -> str:
    """The person signs in at the provider; returns our callback path with code and state."""
    answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def sign_in(client: FlaskClient, sub: str) -> Any:
    return client.get(choose_account(start(client), sub))


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def sso_account(provider: str, sub: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(
        StaffUser.sso_issuer == provider, StaffUser.sso_subject == sub))


def refusals() -> list[str]:
    return [e.details.get("reason", "") for e in audit("staff.login_failed")]
