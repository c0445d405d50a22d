"""Staff accounts: create, authenticate, log out, change password, (de)activate, and who
gets staff alerts."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import Conflict, Forbidden, InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import Role, StaffUser, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import ANONYMOUS, SYSTEM, Actor
from likeness.platform.addresses import normalise_email
from likeness.platform.app_state import per_app
from likeness.platform.uow import use_case
from likeness.staff import passwords, sso

_HASHER_KEY = "likeness.password_hasher"


@dataclass(frozen=True)
class _Hashing:
    hasher: PasswordHasher
    # Verified when the email is unknown, so a miss costs as much time as a hit.
    dummy_hash: str


def _hashing() -> _Hashing:
    """argon2id with the library's current defaults (RFC 9106 low-memory profile); only
    the test suite (`LIKENESS_ENV=testing`) uses the cheapest parameters, so hundreds of
    logins do not each spend a fifth of a second on purpose."""

    def make() -> _Hashing:
        testing = current_app.config["ENV_NAME"] == "testing"
        hasher = (PasswordHasher.from_parameters(profiles.CHEAPEST) if testing
                  else PasswordHasher())
        return _Hashing(hasher, hasher.hash(secrets.token_hex(16)))

    return per_app(_HASHER_KEY, make)


def find_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )


def get(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(_("No such staff member."))
    return user


def list_all() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.email)))


@use_case
def create_staff(
    email: str,
    role: Role | str,
    *,
    name: str = "",
    password: str | None = None,
    actor: Actor = SYSTEM,
) -> tuple[StaffUser, str]:
    """Create an account; return it with its password (generated if not given).

    A generated password is one-time: the user must change it at first login.
    """
    role = Role(role)
    email = normalise_email(email)
    if find_by_email(email) is not None:
        raise Conflict(_("A staff member with this email already exists."))
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    passwords.check(password, email=email)
    user = StaffUser(
        email=email,
        name=name,
        role=role.value,
        password_hash=_hashing().hasher.hash(password),
        must_change_password=generated,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("staff.created", actor=actor, subject=user.audit_ref, details={"role": role})
    return user, password


@use_case
def authenticate(email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None (no reason given)."""
    user = find_by_email(email)
    if user is None:
        _verify(_hashing().dummy_hash, password)
        audit.record("staff.login_failed", actor=ANONYMOUS, details={"known": False})
        return None
    if not _verify(user.password_hash, password) or not user.is_active:
        audit.record("staff.login_failed", actor=ANONYMOUS, subject=user.audit_ref)
        return None
    if not sso.password_login_allowed(user):  # single sign-on only (LOCAL_LOGIN=admins)
        audit.record("staff.login_failed", actor=ANONYMOUS, subject=user.audit_ref,
                     details={"reason": "local_login_off"})
        return None
    if _hashing().hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hashing().hasher.hash(password)
    user.last_login_at = utcnow()
    audit.record("staff.login", actor=user, subject=user.audit_ref)
    return user


@use_case
def logout(user_id: int) -> None:
    """End this and every other session of the user (server-side)."""
    user = get(user_id)
    user.session_version += 1
    audit.record("staff.logout", actor=user, subject=user.audit_ref)


@use_case
def change_password(user_id: int, current: str, new: str) -> StaffUser:
    """Change the password; every other session of the user stops working."""
    user = get(user_id)
    if not _verify(user.password_hash, current):
        raise InvalidInput(_("The current password is not correct."))
    if new == current:
        raise InvalidInput(_("The new password must differ from the current one."))
    passwords.check(new, email=user.email)
    user.password_hash = _hashing().hasher.hash(new)
    user.must_change_password = False
    user.session_version += 1
    audit.record("staff.password_changed", actor=user, subject=user.audit_ref)
    mail.queue_email(user.email, "password_changed", language="en", user=user)
    return user


@use_case
def set_active(user_id: int, active: bool, *, actor: StaffUser) -> StaffUser:
    user = get(user_id)
    if user.id == actor.id and not active:
        raise Forbidden(_("You cannot deactivate your own account."))
    user.is_active = active
    user.session_version += 1
    audit.record(
        "staff.activated" if active else "staff.deactivated",
        actor=actor,
        subject=user.audit_ref,
    )
    return user


@use_case
def set_role(user_id: int, role: Role | str, *, actor: StaffUser) -> StaffUser:
    user = get(user_id)
    role = Role(role)
    if user.id == actor.id and role != Role.ADMIN:
        raise Forbidden(_("You cannot take the admin role away from yourself."))
    user.role = role
    audit.record("staff.role_changed", actor=actor, subject=user.audit_ref,
                 details={"role": role.value})
    return user


def alert_recipients() -> list[str]:
    """Who gets staff alerts: `STAFF_ALERT_EMAIL`, else every active admin and privacy
    officer."""
    configured = current_app.config.get("STAFF_ALERT_EMAIL")
    if configured:
        return [configured]
    return list(db.session.scalars(
        select(StaffUser.email).where(
            StaffUser.is_active.is_(True),
            StaffUser.role.in_([Role.ADMIN, Role.PRIVACY_OFFICER]),
            # A single sign-on account whose provider gave no address (likeness.staff.sso).
            StaffUser.email.not_like(f"%{sso.NO_EMAIL_DOMAIN}"),
        )
    ))


def load_session_user(session_id: str) -> StaffUser | None:
    """Flask-Login's user loader: `id:version`, valid only for active accounts."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hashing().hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False



@use_case
def notify_login_frozen(email: str) -> None:
    """Tell the owner that their account is frozen for new browsers after many failed
    logins (nothing happens for an address that is no account: the page said the same)."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    audit.record("staff.login_frozen", actor=ANONYMOUS, subject=user.audit_ref)
    mail.queue_email(user.email, "login_frozen", language="en", user=user)
