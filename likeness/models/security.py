"""Security records: staff recovery codes, manage-consent links, age answers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class StaffRecoveryCode(Base):
    """A one-time code that stands in for the authenticator app (hashed, never stored)."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"),
                                          index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentLink(Base):
    """A *Manage my consent* link: an opaque token (only its hash stored), revocable."""

    __tablename__ = "consent_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ManageLinkRequest(Base):
    """An address typed on the *Manage my consent* page, normalised, for the job that
    emails a link if the address has consent to manage. Stored whether or not it is
    known (the page answers the same either way, and looks nothing up); the job deletes
    it once handled."""

    __tablename__ = "manage_link_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgeAnswer(Base):
    """A date of birth typed on a signing link, kept even when the signing failed.

    An answer that made the person a minor, followed by an adult one on the same
    link, is flagged to staff: a child may have typed a false date to sign alone.
    """

    __tablename__ = "age_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("quitclaim_invitation.id", ondelete="CASCADE"), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    is_minor: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FormSubmission(Base):
    """A public form, submitted once: a double click or a replayed post finds this row
    (by the form's one-time key) and gets the same answer instead of a second record."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
