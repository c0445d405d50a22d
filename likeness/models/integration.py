"""Image banks that call Likeness over `/api/v1`: integrations, their API keys, and the
image bank's own ids for the assets it registered."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class Scope(StrEnum):
    ASSETS_READ = "assets:read"
    ASSETS_WRITE = "assets:write"
    SUBJECTS_WRITE = "subjects:write"
    REQUESTS_WRITE = "requests:write"
    WEBHOOKS_MANAGE = "webhooks:manage"


class Integration(Base):
    """One image bank (a Beeldbank, ResourceSpace, Bynder ...)."""

    __tablename__ = "integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Host names Likeness may fetch photos from (and, later, deliver webhooks to).
    allowed_hosts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # XMP sidecars through the API (release status, person references): off until an
    # admin turns them on for this image bank.
    xmp_export: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def audit_ref(self) -> str:
        return f"integration:{self.id}"


def key_state(now: datetime, *, revoked_at: datetime | None, expires_at: datetime | None,
              retires_at: datetime | None) -> str:
    """An API key's state at `now`: revoked, expired, retired (rotated, grace period over),
    rotating (still valid beside its successor) or active."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    if retires_at is not None:
        return "retired" if retires_at <= now else "rotating"
    return "active"


class ApiKey(Base):
    """A machine client's key. Only its SHA-256 is stored (the key is 190 random bits, so
    a slow hash adds nothing); `prefix` finds the row without scanning. Shown once."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The staff member answerable for the key.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rotation: the old key keeps working until `retires_at` (the grace period).
    retires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def audit_ref(self) -> str:
        return f"apikey:{self.id}"

    @property
    def staff_id(self) -> int | None:
        return None

    def is_valid(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return self.retires_at is None or self.retires_at > now

    def state(self, now: datetime) -> str:
        return key_state(now, revoked_at=self.revoked_at, expires_at=self.expires_at,
                         retires_at=self.retires_at)


class ApiCall(Base):
    """A use of an API key, written by the request in one cheap insert and sealed into
    the audit chain (as an `api.called` / `api.refused` event) in batches by the worker
    (likeness.integrations.usage). Durable from the answer on; chained within a sweep."""

    __tablename__ = "api_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"))
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(10))
    endpoint: Mapped[str] = mapped_column(String(200))
    refused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExternalAsset(Base):
    """The image bank's id for an asset: unique per integration."""

    __tablename__ = "external_asset"
    __table_args__ = (UniqueConstraint("integration_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"),
                                          index=True)
    photographer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExternalSubject(Base):
    """A person the image bank registered under its own opaque reference."""

    __tablename__ = "external_subject"
    __table_args__ = (UniqueConstraint("integration_id", "external_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"))
    external_ref: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntegrationEvent(Base):
    """A consent event for one integration, written in the unit of work of the change
    itself (so none is lost and none is told before it is true). The events feed reads
    these by id (the cursor); webhook delivery can work from the same rows. Thin: ids,
    references and channels, never names or templates."""

    __tablename__ = "integration_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integration.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
