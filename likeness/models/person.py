"""People the organisation knows: the link between faces, quitclaims and requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text
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
    # The last age (16, 18) at which the person was told, or staff were asked to tell
    # them, that the guardian's rights ended: each notice goes out once.
    guardian_rights_notice_age: Mapped[int | None] = mapped_column(Integer)
    # Suppression list (Art. 17): an erased person is never suggested or re-tagged.
    is_suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    # "No biometrics": set when biometric consent is withdrawn or refused, or by staff on
    # the person's request. No template of this person's faces is made or kept, under
    # every template policy, until they give biometric consent again.
    no_biometrics_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_biometrics_reason: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Art. 14: tagged by name, the person is told once (not per tag). When and how it was
    # settled: "sent", "invited" (an invitation told them, 14(5)(a)) or "exempt" (no
    # address; the collection's 14(5)(b) assessment applies).
    tag_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tag_notice: Mapped[str | None] = mapped_column(String(10))
    # Works for the organisation (an employee, a volunteer): consent given to one's
    # employer is rarely free (EDPB Guidelines 05/2020, 21-24), so staff and the
    # person are reminded that saying no has no consequences.
    is_dependent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def audit_ref(self) -> str:
        return f"person:{self.id}"

    @property
    def refuses_biometrics(self) -> bool:
        return self.no_biometrics_at is not None

    def is_under(self, age: int, on: date) -> bool:
        if self.date_of_birth is None:
            return self.is_minor
        return age_on(self.date_of_birth, on) < age


def age_on(born: date, on: date) -> int:
    """Completed years of age on `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
