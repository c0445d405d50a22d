"""A signer's "this is me" on a face of a photo they were invited for: a proposal to tag
that face to them, which staff confirm or reject. Consent reaches the face only through
the confirmed tag, never through the mark itself."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow


class ProposalStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class TagProposal(Base):
    __tablename__ = "tag_proposal"
    __table_args__ = (UniqueConstraint("face_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    face_id: Mapped[int] = mapped_column(ForeignKey("face.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    quitclaim_id: Mapped[int | None] = mapped_column(
        ForeignKey("quitclaim.id", ondelete="SET NULL"))
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, 10), default=ProposalStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
