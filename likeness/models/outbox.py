"""The job outbox: work recorded in the same transaction as the change that needs it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"  # committed, not yet handed to Redis
    ENQUEUED = "enqueued"  # on the RQ queue
    DONE = "done"  # the job finished; it will not run again
    FAILED = "failed"  # gave up after too many attempts


class OutboxJob(Base):
    __tablename__ = "outbox_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(80))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, 10), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A job that must wait (a webhook's next try): not handed over before this instant.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def rq_job_id(self) -> str:
        return f"outbox-{self.id}"
