"""Staff single sign-on with the organisation's identity provider (OpenID Connect).

Authlib runs the authorization-code flow with PKCE, a nonce and a state (admin/staff/sso.py);
this module decides what a verified sign-in means. The id_token must come from the
configured tenant-specific issuer, for our client id, signed with a key in the provider's
JWKS. An account is keyed on issuer + subject (never the email) and made at the first
sign-in. Its role is read from the roles claim at every sign-in: no mapped role, no access,
and an existing account is switched off. Every sign-in and every refusal is audited with
pseudonymous references only.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import Role, StaffUser, utcnow
from likeness.platform import audit
from likeness.platform.actor import ANONYMOUS, NamedActor
from likeness.platform.addresses import normalise_email
from likeness.platform.app_state import per_app
from likeness.platform.queue import get_redis
from likeness.platform.uow import use_case

_CLIENT_KEY = "likeness.oidc_client"
# Who changes an account when the provider's answer does (made, role, switched off or on).
IDENTITY_PROVIDER = NamedActor("identity_provider")
# A password hash nothing verifies against: single sign-on accounts have no password.
# The address of an account whose provider gave none (`.invalid` is reserved: RFC 2606).
NO_EMAIL_DOMAIN = "@sso.invalid"
NO_PASSWORD = "!sso"  # noqa: S105  (not a password: a hash that matches none)
# Roles ranked, so a user with several mapped values gets the strongest one.
_RANK = (Role.ADMIN, Role.PRIVACY_OFFICER, Role.LIBRARIAN, Role.VIEWER)


class SsoRefused(Exception):
    """A sign-in that must not go on; `reason` is a code for the audit log."""

    def __init__(self, reason: str, message: str, *, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SignIn:
    """A verified sign-in: the account, and whether the provider asserted multi-factor."""

    user: StaffUser
    mfa: bool


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider_name() -> str:
    return str(current_app.config.get("OIDC_PROVIDER_NAME") or _("your organisation"))


def password_login_allowed(user: StaffUser) -> bool:
    """Passwords are break-glass: SSO accounts never have one, and with LOCAL_LOGIN=admins
    only admins may use theirs."""
    if user.is_sso:
        return False
    return current_app.config["LOCAL_LOGIN"] == "all" or user.role == Role.ADMIN


class StateStore:
    """Authlib's store for a sign-in in flight (state, nonce, PKCE verifier): in Redis, so
    the verifier never travels in the session cookie, and a state is taken out as it is
    read (one transaction), so it works once, even with a copy of an old cookie."""

    PREFIX = "likeness:oidc-state:"
    SECONDS = 15 * 60  # time to sign in at the provider

    def get(self, key: str) -> bytes | None:
        pipe = get_redis().pipeline(transaction=True)
        pipe.get(self.PREFIX + key)
        pipe.delete(self.PREFIX + key)
        value, _deleted = pipe.execute()
        return value

    def set(self, key: str, value: str, expires: int | None = None) -> None:
        get_redis().set(self.PREFIX + key, value, ex=min(expires or self.SECONDS, self.SECONDS))

    def delete(self, key: str) -> None:
        get_redis().delete(self.PREFIX + key)


def client() -> FlaskOAuth2App:
    """The Authlib client for this app (discovery, JWKS, PKCE S256, nonce, state)."""

    def make() -> FlaskOAuth2App:
        config = current_app.config
        oauth = OAuth(current_app, cache=StateStore())
        registered = oauth.register(
            "likeness",
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256",
                           "default_timeout": 10},
        )
        return registered

    return per_app(_CLIENT_KEY, make)


def check_metadata() -> None:
    """The discovery document must name exactly the configured issuer (OIDC Discovery
    4.3): Entra ID's `common` metadata says `{tenantid}`, which no token matches."""
    metadata = client().load_server_metadata()
    if metadata.get("issuer") != current_app.config["OIDC_ISSUER"]:
        raise SsoRefused("issuer_metadata", _("Single sign-on is not set up correctly: the "
                                              "identity provider names another issuer."),
                         status=503)


def claims_options() -> dict[str, Any]:
    """What Authlib checks in the id_token besides the signature, expiry and nonce."""
    config = current_app.config
    return {
        "iss": {"essential": True, "value": config["OIDC_ISSUER"]},
        "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
    }


def max_age_seconds() -> int:
    return int(current_app.config["OIDC_SESSION_MAX_HOURS"]) * 3600


def check_claims(claims: dict[str, Any]) -> None:
    """Checks Authlib leaves to us: the tenant, and how old the authentication is."""
    tenant = current_app.config["OIDC_TENANT_ID"]
    if tenant and str(claims.get("tid", "")).lower() != tenant.lower():
        raise SsoRefused("tenant", _("This account belongs to another organisation."))
    auth_time = claims.get("auth_time")
    # We ask for max_age: an authentication older than it must not open a new session.
    if isinstance(auth_time, int | float) and time.time() - auth_time > max_age_seconds() + 120:
        raise SsoRefused("auth_time", _("Your sign-in at %(provider)s is too old. Please "
                                        "sign in again.", provider=provider_name()))


def mapped_role(claims: dict[str, Any]) -> Role | None:
    """The strongest Likeness role the roles claim maps to, or None."""
    config = current_app.config
    mapping: dict[str, Role] = {}
    for pair in str(config["OIDC_ROLE_MAP"]).split(","):
        value, _sep, role = pair.partition("=")
        if value.strip():
            mapping[value.strip()] = Role(role.strip())
    raw = claims.get(config["OIDC_ROLES_CLAIM"])
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    roles = {mapping[v] for v in values if isinstance(v, str) and v in mapping}
    return next((role for role in _RANK if role in roles), None)


def mfa_asserted(claims: dict[str, Any]) -> bool:
    config = current_app.config
    amr = claims.get("amr")
    amr_values = set(amr) if isinstance(amr, list) else set()
    return bool(amr_values & set(config["OIDC_MFA_AMR"])) or (
        claims.get("acr") in set(config["OIDC_MFA_ACR"]))


@use_case
def sign_in(claims: dict[str, Any]) -> SignIn | SsoRefused:
    """Find or make the account of a verified id_token and apply its role.

    Returns the refusal instead of raising it, so that what it changed (an account
    switched off) and its audit event are committed."""
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    user = db.session.scalar(select(StaffUser).where(
        StaffUser.sso_issuer == issuer, StaffUser.sso_subject == subject))
    role = mapped_role(claims)
    if role is None:
        if user is not None and user.is_active:
            user.is_active = False
            user.sso_deactivated = True
            user.session_version += 1
            audit.record("staff.deactivated", actor=IDENTITY_PROVIDER, subject=user.audit_ref,
                         details={"reason": "no_role"})
        return _refused("no_role", _("Your account at %(provider)s has no Likeness role. Ask "
                                     "your administrator for access.",
                                     provider=provider_name()), user)
    if user is None:
        email = _free_email(claims)
        if email is None:
            return _refused("email_taken", _("A Likeness account with your email address "
                                             "already exists. Ask an administrator to "
                                             "remove or rename it."), None)
        user = StaffUser(email=email, name=str(claims.get("name") or "")[:200],
                         password_hash=NO_PASSWORD, role=role.value,
                         sso_issuer=issuer, sso_subject=subject)
        db.session.add(user)
        db.session.flush()
        audit.record("staff.created", actor=IDENTITY_PROVIDER, subject=user.audit_ref,
                     details={"role": role.value})
    if not user.is_active:
        if not user.sso_deactivated:  # an admin switched it off here: that stands
            return _refused("deactivated", _("Your Likeness account is deactivated. Ask "
                                             "your administrator."), user)
        user.is_active, user.sso_deactivated = True, False
        audit.record("staff.activated", actor=IDENTITY_PROVIDER, subject=user.audit_ref)
    if user.role != role.value:
        user.role = role
        audit.record("staff.role_changed", actor=IDENTITY_PROVIDER, subject=user.audit_ref,
                     details={"role": role.value})
    _follow_profile(user, claims)
    user.last_login_at = utcnow()
    mfa = mfa_asserted(claims)
    audit.record("staff.login", actor=user, subject=user.audit_ref,
                 details={"method": "sso", "mfa_by_provider": mfa})
    return SignIn(user, mfa)


@use_case
def record_refusal(reason: str) -> None:
    """Audit a sign-in refused before an account could be known (bad token, state...)."""
    audit.record("staff.login_failed", actor=ANONYMOUS,
                 details={"method": "sso", "reason": reason})


def _refused(reason: str, message: str, user: StaffUser | None) -> SsoRefused:
    audit.record("staff.login_failed", actor=ANONYMOUS,
                 subject=user.audit_ref if user is not None else None,
                 details={"method": "sso", "reason": reason})
    return SsoRefused(reason, message)


def _follow_profile(user: StaffUser, claims: dict[str, Any]) -> None:
    """Take over a changed name or address (alerts go to the address), unless another
    account uses that address: the account stays keyed on the subject either way."""
    if claims.get("name"):
        user.name = str(claims["name"])[:200]
    raw = str(claims.get("email") or claims.get("preferred_username") or "")
    if "@" not in raw or raw.strip().lower() == user.email:
        return
    with contextlib.suppress(InvalidInput):
        email = normalise_email(raw)
        taken = db.session.scalar(select(StaffUser.id).where(
            func.lower(StaffUser.email) == email, StaffUser.id != user.id))
        if taken is None:
            user.email = email


def _free_email(claims: dict[str, Any]) -> str | None:
    """The address to show and mail (never to identify): the claim, or a placeholder."""
    raw = claims.get("email") or claims.get("preferred_username") or ""
    email = ""
    with contextlib.suppress(InvalidInput):  # an unusable address: the placeholder
        email = normalise_email(str(raw)) if "@" in str(raw) else ""
    if not email:
        digest = hashlib.sha256(f"{claims['iss']} {claims['sub']}".encode()).hexdigest()
        return f"sso-{digest[:16]}{NO_EMAIL_DOMAIN}"
    taken = db.session.scalar(select(StaffUser.id).where(
        func.lower(StaffUser.email) == email.lower()))
    return None if taken is not None else email
