"""Settings staff change at run time (template policy, threshold, ...)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class Setting(Base):
    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class TemplatePolicy(StrEnum):
    """Which faces keep an encrypted face template (a setting, documented for the DPIA)."""

    ALL = "all"  # every detected face
    CONSENTED_ONLY = "consented-only"  # only faces of people with biometric consent
    OFF = "off"  # recognition off: boxes only, no templates at all
