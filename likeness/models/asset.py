"""Photos in the library and the faces found on them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow


class AssetStatus(StrEnum):
    PENDING = "pending"
    INDEXED = "indexed"
    FAILED = "failed"


class TagSource(StrEnum):
    MANUAL = "manual"
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    # A name the photo's own metadata (XMP/IPTC) carried, confirmed by staff.
    METADATA = "metadata"


class FaceOrigin(StrEnum):
    DETECTOR = "detector"
    # A region the photo's metadata named where the detector found no face: kept (and
    # blurred like any face) so nothing the photographer tagged is lost.
    METADATA = "metadata"


class Asset(Base):
    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Content address of the re-encoded original; also its file name on disk.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    image_format: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    collection: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[AssetStatus] = mapped_column(
        str_enum(AssetStatus, 10), default=AssetStatus.PENDING)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Art. 18 restriction: the asset may be stored but not used or shared.
    is_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_reason: Mapped[str | None] = mapped_column(Text)
    # A near-duplicate of a photo erased at someone's request: usable nowhere, shown to
    # staff only blurred as a whole, until a privacy officer has checked it.
    is_held_as_erased: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the photo was taken (EXIF DateTimeOriginal, read before metadata is stripped);
    # None when the file did not say: the upload date stands in for it.
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    indexed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Face regions and names read from the upload's XMP/IPTC (and its sidecar) before it
    # was re-encoded, in pixels of the stored image (metadata_regions.extract); matched
    # to the detected faces by the indexing job. None when the file carried none.
    imported_regions: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # When an XMP sidecar (release status, no names) was last written for the image bank;
    # None: never exported, so consent changes do not write one either.
    xmp_exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    faces: Mapped[list[Face]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="Face.left"
    )

    @property
    def taken_at(self) -> datetime:
        """When the photo was taken, or, if the file did not say, when it was uploaded."""
        return self.captured_at or self.created_at


class Face(Base):
    __tablename__ = "face"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    # Box in pixels of the stored (orientation-corrected) image, dlib's order.
    top: Mapped[int] = mapped_column(Integer)
    right: Mapped[int] = mapped_column(Integer)
    bottom: Mapped[int] = mapped_column(Integer)
    left: Mapped[int] = mapped_column(Integer)
    # AES-256-GCM ciphertext of the 128-d template (nonce || ciphertext || tag),
    # with the face id as associated data; NULL when policy keeps no template.
    template_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    template_key_version: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    tag_source: Mapped[TagSource | None] = mapped_column(str_enum(TagSource, 10))
    tagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    tagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_not_a_face: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[FaceOrigin] = mapped_column(
        str_enum(FaceOrigin, 10), default=FaceOrigin.DETECTOR)
    # The name the photo's metadata gave this face, waiting for staff to confirm it
    # (personal data: cleared when confirmed or dismissed).
    imported_name: Mapped[str | None] = mapped_column(String(200))
    # Erasure may require this face blurred in every rendition from now on.
    is_always_blurred: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retention: when the face was last untagged (untagged since detection when None),
    # and when its template was purged for being untagged too long. Under policy `all`
    # a purged face gets no template again until it is tagged (tagging clears this).
    untagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    template_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="faces")

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.top, self.right, self.bottom, self.left)


class SuggestionRejection(Base):
    """Staff said this face is not this person: never suggest the pair again."""

    __tablename__ = "suggestion_rejection"

    face_id: Mapped[int] = mapped_column(ForeignKey("face.id", ondelete="CASCADE"),
                                         primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           primary_key=True)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaceIndexState(Base):
    """One row: a counter bumped in every transaction that adds or removes templates.

    Each process keeps an in-memory search index and the counter value it reflects;
    a different value in the database means another process changed the templates.
    """

    __tablename__ = "face_index_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class FaceIndexChange(Base):
    """What one bump of `FaceIndexState.version` changed: the face ids whose templates
    were added or removed. A process whose index is a few versions behind applies these
    instead of decrypting every template again; a missing version (a wholesale change,
    or one pruned long ago) means it rebuilds."""

    __tablename__ = "face_index_change"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    added: Mapped[list[int]] = mapped_column(JSON, default=list)
    removed: Mapped[list[int]] = mapped_column(JSON, default=list)

