"""The erasure ledger: what was erased, when, without the personal data itself.

A restore from an older backup re-applies every entry before the app serves again, so a
backup can never bring an erased face back; an upload of an erased photo's original
bytes is recognised by its hash.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class ErasureKind(StrEnum):
    FACE_BLURRED = "face_blurred"  # burnt into the stored original
    PHOTO_DELETED = "photo_deleted"
    PERSON_SUPPRESSED = "person_suppressed"  # templates deleted, never tagged again


class ErasureLedgerEntry(Base):
    __tablename__ = "erasure_ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The photo as uploaded (its content address); None for a person-level entry.
    asset_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # The face boxes blurred (pixels of the stored original); no names, no templates.
    boxes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Internal, pseudonymous ids: enough to re-apply, nothing to identify anyone by.
    person_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What a replay needs beyond the above, still without personal data: for a person,
    # the creation instant (ids are reused after a restore) and keyed hashes of their
    # addresses and name; for a photo, its perceptual hash (near-duplicates are held).
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
