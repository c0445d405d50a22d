"""What the privacy officer records about a collection (an event): whether its photos
reveal health and on which Art. 9 ground they are processed, and the Art. 14(5)(b)
assessment for the people in it who cannot be told."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class HealthGround(StrEnum):
    """The Art. 9(2) grounds that can cover photos revealing health in an image bank."""

    EXPLICIT_CONSENT = "explicit_consent"  # 9(2)(a)
    VITAL_INTERESTS = "vital_interests"  # 9(2)(c)
    MADE_PUBLIC = "made_public"  # 9(2)(e)
    LEGAL_CLAIMS = "legal_claims"  # 9(2)(f)
    SUBSTANTIAL_PUBLIC_INTEREST = "public_interest"  # 9(2)(g), with a specific law
    HEALTH_CARE = "health_care"  # 9(2)(h), care records under professional secrecy
    ARCHIVING = "archiving"  # 9(2)(j)


class CollectionSetting(Base):
    __tablename__ = "collection_setting"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Photos taken in care settings (patients, clients) reveal health: Art. 9 data.
    reveals_health: Mapped[bool] = mapped_column(Boolean, default=False)
    health_ground: Mapped[str | None] = mapped_column(String(30))
    health_ground_note: Mapped[str | None] = mapped_column(Text)
    # Art. 14(5)(b): why telling the tagged people without an address would be
    # impossible or take a disproportionate effort.
    notice_exemption: Mapped[str | None] = mapped_column(Text)
    notice_exemption_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def blocks_tagging(self) -> bool:
        """Health data without a recorded ground: no one may be named in it."""
        return self.reveals_health and not self.health_ground
