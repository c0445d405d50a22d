"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain, gap-free from 1, inside the MAC: a deletion leaves a gap
    # that no later event can close. None for events written before it existed.
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Pseudonymous references only ("staff:3", "person:12", "request:7", "system").
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """Where the audit chain starts after retention deleted its oldest events.

    The MAC (audit key, outside the database) binds the first kept event's sequence
    number and hash: `verify-audit` starts there, and a checkpoint edited, or an older
    one put back, no longer matches the chain. Only the newest row counts.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    first_hash: Mapped[str] = mapped_column(String(64))
    pruned: Mapped[int] = mapped_column(BigInteger, default=0)
    mac: Mapped[str] = mapped_column(String(64))
