"""People the organisation knows: the link between faces, quitclaims and requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, utcnow


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # For people whose birth date we do not hold but who are known to be under 16.
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    guardian_email: Mapped[str | None] = mapped_column(String(254))
    # Suppression list (Art. 17): an erased person is never suggested or re-tagged.
    is_suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def audit_ref(self) -> str:
        return f"person:{self.id}"

    def is_under(self, age: int, on: date) -> bool:
        if self.date_of_birth is None:
            return self.is_minor
        dob = self.date_of_birth
        years = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
        return years < age
