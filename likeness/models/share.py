"""Share links to recipients outside the organisation, and Art. 19 notices to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class ShareLink(Base):
    __tablename__ = "share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the hash of the token is kept: a database leak does not open the links.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class ShareLinkAsset(Base):
    __tablename__ = "share_link_asset"

    share_link_id: Mapped[int] = mapped_column(
        ForeignKey("share_link.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True
    )


class RecipientNotice(Base):
    """An Art. 19 notice owed to a recipient a photo was disclosed to (a share link, or
    another entry of the disclosure register)."""

    __tablename__ = "recipient_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("share_link.id", ondelete="CASCADE"))
    disclosure_id: Mapped[int | None] = mapped_column(
        ForeignKey("disclosure.id", ondelete="CASCADE"))
    # What the notice says it is about: withdrawal, expiry, erasure, restriction, ...
    kind: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
