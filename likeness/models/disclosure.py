"""The disclosure register: every time a photo leaves the organisation, with the faces on it.

A disclosure is kept as evidence even after the photo is erased: it names the asset by
its id (while it exists) and by the hash of its upload, and snapshots the faces it
showed (who they were tagged to, and whether they were blurred in what left).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from likeness.models.base import Base, UTCDateTime, utcnow


class DisclosureKind(StrEnum):
    SHARE_LINK = "share_link"  # a link sent to a recipient outside the organisation
    DOWNLOAD = "download"  # a channel download (the recipient named by staff)
    PUBLICATION = "publication"  # website, social post, print run, sent to a third party


class TakedownReason(StrEnum):
    """Why a disclosed photo must come down (the Art. 19 notice is worded per reason)."""

    WITHDRAWAL = "withdrawal"
    EXPIRY = "expiry"
    OBJECTION = "objection"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    RECTIFICATION = "rectification"


class Disclosure(Base):
    __tablename__ = "disclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    # The photo as uploaded (its content address): still names it after an erasure.
    asset_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    # Where it went: a URL, "Instagram post 12 May", "annual report, 5000 copies".
    location: Mapped[str | None] = mapped_column(Text)
    share_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("share_link.id", ondelete="SET NULL"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    faces: Mapped[list[DisclosureFace]] = relationship(cascade="all, delete-orphan")


class DisclosureFace(Base):
    """A face on a disclosed photo, as it was when the photo left."""

    __tablename__ = "disclosure_face"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure.id", ondelete="CASCADE"), index=True)
    face_id: Mapped[int | None] = mapped_column(ForeignKey("face.id", ondelete="SET NULL"),
                                                index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    top: Mapped[int] = mapped_column(Integer)
    right: Mapped[int] = mapped_column(Integer)
    bottom: Mapped[int] = mapped_column(Integer)
    left: Mapped[int] = mapped_column(Integer)
    blurred: Mapped[bool] = mapped_column(Boolean, default=False)


class TakedownTask(Base):
    """Staff must take a disclosed photo down (or have the recipient do so); or an image
    bank must remove its copies of erased photos (`integration_id`, `external_ids`), and
    says so through the API."""

    __tablename__ = "takedown_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int | None] = mapped_column(
        ForeignKey("disclosure.id", ondelete="CASCADE"), index=True)
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integration.id", ondelete="SET NULL"), index=True)
    external_ids: Mapped[list[str] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_request.id", ondelete="SET NULL"))
    quitclaim_id: Mapped[int | None] = mapped_column(
        ForeignKey("quitclaim.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    note: Mapped[str | None] = mapped_column(Text)
