"""Outgoing email, stored before delivery so a dead SMTP server or Redis loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class OutgoingEmail(Base):
    __tablename__ = "outgoing_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # Links are not stored: each is a placeholder here, and the links themselves are
    # sealed (`sealed_links`, AES-GCM with a key outside the database) until the mail is
    # sent, then dropped (`likeness.platform.mail_links`).
    body_text: Mapped[str] = mapped_column(Text)
    sealed_links: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Paths (relative to the instance folder) of files to attach.
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A job to queue once this email is sent (e.g. lift a restriction only after the
    # person was told, Art. 18(3)): its name and arguments.
    then_job: Mapped[str | None] = mapped_column(String(80))
    then_args: Mapped[list[Any] | None] = mapped_column(JSON)
