"""The privacy officer's records: legal holds, photos to review, DPIA versions, breaches."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow

# The AP's written advice after a prior consultation (Art. 36(2)).
AP_OUTCOMES = ("no_objection", "conditions", "advised_against")
# Where a prior consultation stands; the last two let the processing go ahead.
PRIOR_CONSULTATION = ("to_submit", "awaiting", "advised_against", "advised", "period_passed",
                      "not_needed")
CONSULTATION_DONE = ("advised", "period_passed", "not_needed")


class HoldScope(StrEnum):
    ASSET = "asset"  # one photo
    COLLECTION = "collection"  # every photo of a collection (event)
    PERSON = "person"  # every photo a person is tagged on, and their records


class LegalHold(Base):
    """Keep something although retention or a deletion would remove it (e.g. the Archives
    Act for a public body). Blocks retention purges and photo deletion, never the deletion
    of face templates."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[HoldScope] = mapped_column(str_enum(HoldScope, 20))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"),
                                                 index=True)
    collection: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                                  index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    release_note: Mapped[str | None] = mapped_column(Text)

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class ReviewFlag(Base):
    """A photo staff must look at again: the quitclaim that covered it expired."""

    __tablename__ = "review_flag"
    __table_args__ = (UniqueConstraint("asset_id", "quitclaim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"),
                                          index=True)
    quitclaim_id: Mapped[int | None] = mapped_column(
        ForeignKey("quitclaim.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)


class DpiaVersion(Base):
    """One saved version of the data protection impact assessment (Art. 35).

    `facts` is what Likeness knew of the processing when the version was saved (policy,
    figures, retention, measures); the rest is the privacy officer's assessment.
    """

    __tablename__ = "dpia_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    necessity: Mapped[str] = mapped_column(Text, default="")
    # [{"risk", "likelihood", "severity", "measures", "residual"}]
    risks: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    dpo_advice: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    # Whether the conclusion is that the processing may go ahead (None: not concluded).
    conclusion_positive: Mapped[bool | None] = mapped_column(Boolean)
    # Art. 36: where a residual risk stays high, the reference of the prior consultation
    # of the Autoriteit Persoonsgegevens.
    ap_consultation_reference: Mapped[str | None] = mapped_column(String(200))
    # The rest of the prior consultation (Art. 36): when it was submitted, whether the AP
    # extended its period (8 weeks, plus 6: Art. 36(2)), and its written advice.
    ap_consultation_submitted_on: Mapped[date | None] = mapped_column(Date)
    ap_period_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    ap_advice_on: Mapped[date | None] = mapped_column(Date)
    ap_outcome: Mapped[str | None] = mapped_column(String(20))  # AP_OUTCOMES
    ap_advice: Mapped[str | None] = mapped_column(Text)
    # EU AI Act deployer duties (Art. 26, 27) the privacy officer confirms are in place.
    ai_act_human_oversight: Mapped[bool] = mapped_column(Boolean, default=False)
    ai_act_log_retention: Mapped[bool] = mapped_column(Boolean, default=False)
    ai_act_fria: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return f"DPIA v{self.number}"

    @property
    def residual_high(self) -> bool:
        return any(r.get("residual") == "high" for r in self.risks or [])

    def prior_consultation(self, today: date) -> str:
        """Where the Art. 36 prior consultation stands (one of PRIOR_CONSULTATION)."""
        if not self.residual_high:
            return "not_needed"
        submitted = self.ap_consultation_submitted_on
        if submitted is None or not self.ap_consultation_reference:
            return "to_submit"
        if self.ap_outcome:
            return "advised_against" if self.ap_outcome == "advised_against" else "advised"
        if today >= self.ap_period_ends:
            return "period_passed"
        return "awaiting"

    @property
    def ap_period_ends(self) -> date:
        """The end of the AP's period to advise: 8 weeks from the request, 14 if extended
        (Art. 36(2)). After it the controller may go ahead without advice."""
        weeks = 14 if self.ap_period_extended else 8
        return (self.ap_consultation_submitted_on or date.min) + timedelta(weeks=weeks)

    def may_go_ahead(self, today: date) -> bool:
        """Complete, concluded positively, and no high residual risk left without the
        prior consultation done (advice that does not advise against, or the period over)."""
        complete = all(text.strip() for text in (self.description, self.necessity,
                                                  self.dpo_advice, self.conclusion))
        return (complete and bool(self.conclusion_positive)
                and self.prior_consultation(today) in CONSULTATION_DONE)


class BreachStatus(StrEnum):
    OPEN = "open"  # being assessed: the 72-hour clock runs
    DECIDED = "decided"  # notification decided (and done, if required)
    CLOSED = "closed"


class Breach(Base):
    """A personal data breach (Art. 33/34): what happened and what was decided."""

    __tablename__ = "breach"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    data_concerned: Mapped[str] = mapped_column(Text, default="")
    # What leaked: share links, entries of the disclosure register, photos.
    share_link_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    disclosure_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    asset_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[BreachStatus] = mapped_column(
        str_enum(BreachStatus, 10), default=BreachStatus.OPEN)
    notify_authority: Mapped[bool | None] = mapped_column()
    notify_subjects: Mapped[bool | None] = mapped_column()
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authority_reference: Mapped[str | None] = mapped_column(String(100))
    subjects_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the notices say (Art. 33(3), 34(2)): written for this breach, never a fixed text.
    likely_consequences: Mapped[str] = mapped_column(Text, default="")
    measures_taken: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")  # what people can do themselves
    late_reasons: Mapped[str | None] = mapped_column(Text)  # Art. 33(1): after 72 hours
    # Art. 34(3)(c): people who cannot be reached individually are told publicly.
    public_communication: Mapped[str | None] = mapped_column(Text)
    public_communication_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The privacy officers were e-mailed when 48 of the 72 hours had passed.
    officers_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessorService(StrEnum):
    HOSTING = "hosting"
    MAIL = "mail"
    OBJECT_STORAGE = "object_storage"
    OTHER = "other"


class Processor(Base):
    """A processor (Art. 28) working for the organisation on this processing, named in
    the register (Art. 30(1)(d)) and the privacy notice (Art. 13(1)(e))."""

    __tablename__ = "processor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    service: Mapped[str] = mapped_column(String(20))
    # Where it processes the data (country), for transfers outside the EEA.
    location: Mapped[str] = mapped_column(String(100), default="")
    # The processing agreement (Art. 28(3)): its reference or date.
    agreement: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
