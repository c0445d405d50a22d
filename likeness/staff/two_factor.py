"""Staff two-factor authentication: TOTP (RFC 6238, pyotp) with recovery codes.

Required for the roles in `STAFF_2FA_ROLES` (admins and privacy officers by default);
anyone else may switch it on. Enrolment shows a QR code (made here, served inline)
and the secret as text; the first correct code switches it on and returns ten
one-time recovery codes, shown once and stored only as keyed hashes.

The secret is sealed (AES-GCM) with a key derived from `SECRET_KEY`, so a copy of
the database alone does not give the codes. A code is accepted once (its time step
is remembered), one step of clock drift either way is allowed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import StaffRecoveryCode, StaffUser, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

ISSUER = "Likeness"
RECOVERY_CODES = 10
_AAD = b"likeness-staff-totp"


def is_required(user: StaffUser) -> bool:
    return user.role in set(current_app.config["STAFF_2FA_ROLES"])


def is_enabled(user: StaffUser) -> bool:
    return user.totp_enabled_at is not None and user.totp_secret is not None


@use_case
def begin_enrolment(user_id: int) -> str:
    """A new secret to enrol (the same one until it is confirmed); returns it."""
    user = _user(user_id)
    if user.totp_pending_secret is not None:
        return _open(user.totp_pending_secret)
    secret = pyotp.random_base32()
    user.totp_pending_secret = _seal(secret)
    return secret


def provisioning_uri(user: StaffUser, secret: str) -> str:
    issuer = f"{ISSUER} ({current_app.config['ORGANISATION_NAME']})"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG data URI: no image request, no third party."""
    import segno

    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


@use_case
def confirm_enrolment(user_id: int, code: str) -> list[str]:
    """Switch 2FA on if `code` fits the pending secret; returns the recovery codes."""
    user = _user(user_id)
    if user.totp_pending_secret is None:
        raise InvalidInput(_("Start the set-up again."))
    secret = _open(user.totp_pending_secret)
    step = _matching_step(secret, code, after=None)
    if step is None:
        raise InvalidInput(_("This code is not correct. Check the time on your phone and "
                             "try the newest code."))
    user.totp_secret = user.totp_pending_secret
    user.totp_pending_secret = None
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("staff.2fa_enabled", actor=user, subject=user.audit_ref)
    return codes


@use_case
def verify(user_id: int, code: str) -> bool:
    """True if `code` is the current TOTP code (not used before) or an unused recovery
    code (which is then used up). Every attempt is audited."""
    user = _user(user_id)
    if user.totp_secret is None:
        return False
    step = _matching_step(_open(user.totp_secret), code, after=user.totp_last_step)
    if step is not None and _claim_step(user, step):
        audit.record("staff.2fa_passed", actor=user, subject=user.audit_ref)
        return True
    recovery = _unused_recovery_code(user, code)
    if recovery is not None and _claim_recovery_code(recovery):
        audit.record("staff.recovery_code_used", actor=user, subject=user.audit_ref)
        return True
    audit.record("staff.2fa_failed", actor=user, subject=user.audit_ref)
    return False


@use_case
def reset(user_id: int, *, actor: Actor) -> None:
    """Switch 2FA off (a lost phone, no codes left); the user enrols again at next login."""
    user = _user(user_id)
    user.totp_secret = user.totp_pending_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.session_version += 1
    db.session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == user.id))
    audit.record("staff.2fa_reset", actor=actor, subject=user.audit_ref)


def recovery_codes_left(user: StaffUser) -> int:
    return len(db.session.scalars(select(StaffRecoveryCode.id).where(
        StaffRecoveryCode.staff_id == user.id, StaffRecoveryCode.used_at.is_(None))).all())


def _matching_step(secret: str, code: str, *, after: int | None) -> int | None:
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if (after is None or step > after) and hmac.compare_digest(
            totp.generate_otp(step), code
        ):
            return step
    return None


def _claim_step(user: StaffUser, step: int) -> bool:
    """Use up `step` with a conditional update: of two logins posting the same code at
    once, the database lets exactly one change the row (the other waits for its lock,
    then finds the step taken and changes nothing)."""
    claimed = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id,
               or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False))
    db.session.refresh(user, ["totp_last_step"])
    return _rowcount(claimed) == 1


def _claim_recovery_code(row: StaffRecoveryCode) -> bool:
    """Use up a recovery code, once, however many requests post it at the same time."""
    claimed = db.session.execute(
        update(StaffRecoveryCode)
        .where(StaffRecoveryCode.id == row.id, StaffRecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.refresh(row, ["used_at"])
    return _rowcount(claimed) == 1


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _new_recovery_codes(user: StaffUser) -> list[str]:
    db.session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()  # 80 bits
        code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
        codes.append(code)
        db.session.add(StaffRecoveryCode(staff_id=user.id, code_hash=_hash_code(code)))
    return codes


def _unused_recovery_code(user: StaffUser, code: str) -> StaffRecoveryCode | None:
    digest = _hash_code(code)
    for row in db.session.scalars(select(StaffRecoveryCode).where(
            StaffRecoveryCode.staff_id == user.id, StaffRecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(row.code_hash, digest):
            return row
    return None


def _hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(_key(b"recovery-codes"), normalised.encode(), hashlib.sha256).hexdigest()


def _seal(secret: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_key(b"totp-secret")).encrypt(nonce, secret.encode(), _AAD)


def _open(blob: bytes) -> str:
    try:
        return AESGCM(_key(b"totp-secret")).decrypt(blob[:12], blob[12:], _AAD).decode()
    except InvalidTag as exc:
        raise RuntimeError("The two-factor secret does not open with this SECRET_KEY "
                           "(was it changed?). Reset two-factor: flask reset-2fa EMAIL") from exc


def _key(purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"likeness-staff",
                info=purpose).derive(str(current_app.config["SECRET_KEY"]).encode())


def _user(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        raise InvalidInput(_("No such staff member."))
    return user
