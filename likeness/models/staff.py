"""Staff accounts: the people who run the image bank and answer requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    PRIVACY_OFFICER = "privacy_officer"
    LIBRARIAN = "librarian"
    VIEWER = "viewer"


class StaffUser(Base):
    __tablename__ = "staff_user"
    # A single sign-on account is the identity provider's (issuer, subject): never the
    # email, which the provider lets people change and which can be reassigned.
    __table_args__ = (UniqueConstraint("sso_issuer", "sso_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20), default=Role.VIEWER)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on logout and password change: every session cookie carries the
    # version it was issued with, so older sessions stop working server-side.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor (TOTP): the secret sealed with a key derived from SECRET_KEY (never in
    # clear in the database), the secret being enrolled, and the last time step used
    # (a code is accepted once).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_pending_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Single sign-on (likeness.staff.sso): set for accounts made by the identity
    # provider, which never have a usable password. `sso_deactivated`: switched off
    # because the provider gave no Likeness role at the last sign-in (a role given
    # later switches it on again; an admin's deactivation is never undone by it).
    sso_issuer: Mapped[str | None] = mapped_column(String(255))
    sso_subject: Mapped[str | None] = mapped_column(String(255))
    sso_deactivated: Mapped[bool] = mapped_column(Boolean, default=False)

    # --- Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_sso(self) -> bool:
        return self.sso_subject is not None

    def has_role(self, *roles: Role | str) -> bool:
        """Admins may do everything; others need one of `roles`."""
        return self.role == Role.ADMIN or self.role in {Role(r).value for r in roles}

    # --- an Actor (likeness.platform.actor) ----------------------------------
    @property
    def audit_ref(self) -> str:
        """Pseudonymous reference used in audit events (never the email)."""
        return f"staff:{self.id}"

    @property
    def staff_id(self) -> int | None:
        return self.id
