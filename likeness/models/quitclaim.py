"""Quitclaims: a person's signed consent to use their portrait, per asset and channel."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow


class Channel(StrEnum):
    INTERNAL = "internal"
    WEBSITE = "website"
    SOCIAL_MEDIA = "social_media"
    PRINT = "print"
    THIRD_PARTIES = "third_parties"


class QuitclaimStatus(StrEnum):
    SIGNED = "signed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class SignatureKind(StrEnum):
    """How a signature was made: drawn (finger, pen, mouse) or typed (the name typed as
    the signature, e.g. by keyboard or screen-reader users). Both have the same effect."""

    DRAWN = "drawn"
    TYPED = "typed"


class InvitationStatus(StrEnum):
    OPEN = "open"
    USED = "used"
    CANCELLED = "cancelled"
    # A child said they are under 16: the link went on to their parent or guardian.
    FORWARDED = "forwarded"


class QuitclaimInvitation(Base):
    __tablename__ = "quitclaim_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    channels: Mapped[list[str]] = mapped_column(JSON)
    asset_ids: Mapped[list[int]] = mapped_column(JSON)
    validity_months: Mapped[int] = mapped_column(Integer, default=60)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # The third parties the "third parties" channel means, by name (shown when signing).
    third_parties: Mapped[str | None] = mapped_column(Text)
    status: Mapped[InvitationStatus] = mapped_column(
        str_enum(InvitationStatus, 10), default=InvitationStatus.OPEN)
    # Each resend issues a new token generation; older links stop working.
    token_generation: Mapped[int] = mapped_column(Integer, default=1)
    # The link went to the guardian's address: only such a link completes a signature
    # for someone under 16 (a child's own link never does).
    for_guardian: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Quitclaim(Base):
    __tablename__ = "quitclaim"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("quitclaim_invitation.id"))
    text_version: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[QuitclaimStatus] = mapped_column(
        str_enum(QuitclaimStatus, 10), default=QuitclaimStatus.SIGNED)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    biometric_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    third_parties: Mapped[str | None] = mapped_column(Text)
    biometric_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signer_name: Mapped[str] = mapped_column(String(200))
    # Under 16 the guardian signs; the child's own signature is then optional.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    # "drawn" (signature_png holds it) or "typed" (signer_name is the signature); None
    # when the person did not sign (a child whose guardian signed).
    signature_kind: Mapped[SignatureKind | None] = mapped_column(str_enum(SignatureKind, 10))
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    guardian_signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    guardian_signature_kind: Mapped[SignatureKind | None] = mapped_column(
        str_enum(SignatureKind, 10))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiry_alert_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assets: Mapped[list[QuitclaimAsset]] = relationship(cascade="all, delete-orphan")
    channels: Mapped[list[QuitclaimChannel]] = relationship(cascade="all, delete-orphan")


class QuitclaimAsset(Base):
    __tablename__ = "quitclaim_asset"

    quitclaim_id: Mapped[int] = mapped_column(
        ForeignKey("quitclaim.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own too: the permission check looks quitclaims up by asset.
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class QuitclaimChannel(Base):
    __tablename__ = "quitclaim_channel"

    quitclaim_id: Mapped[int] = mapped_column(
        ForeignKey("quitclaim.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuitclaimEvent(Base):
    """The history of a quitclaim: signed, channel withdrawn, expired, ..."""

    __tablename__ = "quitclaim_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    quitclaim_id: Mapped[int] = mapped_column(
        ForeignKey("quitclaim.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
