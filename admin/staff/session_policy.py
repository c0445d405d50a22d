"""How long a staff session lasts, and what a fresh login sets up.

A session ends after `SESSION_IDLE_MINUTES` without a request (30) and at the latest
`SESSION_MAX_HOURS` after the login (12), whatever happens in between. A single sign-on
session ends after `OIDC_SESSION_MAX_HOURS` (8) at the latest: then the user signs in at
the identity provider again, which re-reads their role. A login gets
a new CSRF token, so a token seen before the login is worthless after it.

The last-seen time is written back at most once a minute. The session lives in a
signed cookie, so every write makes the response set the cookie again. A page loads
its face crops and the people lookup in parallel, and each of those responses would
carry the cookie as it was when the request started. The last one to arrive would
win and could erase what a form post had just added, such as its "Face tagged."
message.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user

from likeness.models import StaffUser

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
# Set for a single sign-on session: {"mfa": whether the provider asserted multi-factor}.
SSO = "sso"
SEEN_RESOLUTION_SECONDS = 60


def start(user: StaffUser, *, sso_mfa: bool | None = None) -> None:
    """Log `user` in. `sso_mfa` is given for a single sign-on (a sign-on that went on to
    our own second factor is marked by its pending step)."""
    session.pop("csrf_token", None)  # Flask-WTF makes a new one on the next form
    pending = session.pop("two_factor", None)
    login_user(user)
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.pop(SSO, None)
    if sso_mfa is not None or (isinstance(pending, dict) and pending.get("sso")):
        session[SSO] = {"mfa": bool(sso_mfa)}


def provider_asserted_mfa() -> bool:
    """True when this session's sign-on came with the provider's multi-factor claim."""
    marker = session.get(SSO)
    return isinstance(marker, dict) and bool(marker.get("mfa"))


def _max_seconds() -> int:
    config = current_app.config
    hours = config["SESSION_MAX_HOURS"]
    if SSO in session:
        hours = min(hours, config["OIDC_SESSION_MAX_HOURS"])
    return int(hours) * 3600


def expired() -> bool:
    """True (and the session is ended) if it is idle or too old; else it is refreshed."""
    now = int(time.time())
    config = current_app.config
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT, login_at)
    if not isinstance(login_at, int) or not isinstance(seen_at, int) or (
        now - login_at > _max_seconds()
        or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
    ):
        logout_user()
        session.clear()
        return True
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return False
