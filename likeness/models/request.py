"""Data-subject requests (GDPR Art. 15-21), their history and candidate matches."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from likeness.models.base import Base, UTCDateTime, str_enum, utcnow


class RequestType(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"
    OBJECTION = "objection"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    WITHDRAWAL = "withdrawal"


class RequestStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    OPEN = "open"
    INFO_REQUESTED = "info_requested"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    REFUSED = "refused"
    CLOSED = "closed"


# A request still being handled: its deadline runs and its person's photos are held.
OPEN_REQUEST_STATES = frozenset({RequestStatus.AWAITING_VERIFICATION, RequestStatus.OPEN,
                                 RequestStatus.INFO_REQUESTED, RequestStatus.IN_PROGRESS})


class ReceivedVia(StrEnum):
    """How a request reached us: the portal, or registered by staff."""

    PORTAL = "portal"
    EMAIL = "email"
    LETTER = "letter"
    PHONE = "phone"
    IN_PERSON = "in_person"


class SearchStatus(StrEnum):
    """Progress of the face search for a request."""

    NOT_STARTED = ""
    RUNNING = "running"
    DONE = "done"


class IdentityCheckMethod(StrEnum):
    """How a privacy officer checked that the requester is the person on the photos
    (never a copy of an ID document)."""

    VIDEO_CALL = "video_call"  # the officer compares the person with the photos
    EVENT_QUESTIONS = "event_questions"  # what only someone who was there can answer
    IN_PERSON = "in_person"  # a visit to the desk


class OnBehalf(StrEnum):
    """Who the request is about: the requester, their child, or someone they represent."""

    SELF = "self"
    CHILD = "child"
    REPRESENTED = "represented"


class ObjectionDecision(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"


class MatchDecision(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class SubjectRequest(Base):
    __tablename__ = "subject_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[RequestType] = mapped_column(str_enum(RequestType, 20))
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, 25), default=RequestStatus.AWAITING_VERIFICATION )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    details: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # The instant the request was stored; the receipt day is derived in Europe/Amsterdam.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    extended_due_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_doubt: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(Text)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    # Optional reference selfie: used for this request only; deleted at carry-out, on
    # close, and at the latest 30 days after the last search (likeness.dsr.daily).
    selfie_path: Mapped[str | None] = mapped_column(String(255))
    selfie_template_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_pdf_path: Mapped[str | None] = mapped_column(String(255))
    response_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # The draft's text as HTML, rendered with the PDF from the same facts, so staff read
    # on the case page what the PDF says. Shown only while response_pdf_path is set.
    response_html: Mapped[str | None] = mapped_column(Text)
    export_zip_path: Mapped[str | None] = mapped_column(String(255))
    export_zip_sha256: Mapped[str | None] = mapped_column(String(64))
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Face search progress: "", "running", "done"; chunks for the on-the-fly scan.
    search_status: Mapped[SearchStatus] = mapped_column(str_enum(SearchStatus, 10),
                                               default=SearchStatus.NOT_STARTED)
    # Each search gets a run id: jobs of an older run find it replaced and do nothing.
    search_run: Mapped[str] = mapped_column(String(16), default="")
    search_chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    search_chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    # What the last search left out and looked at: photos with faces it could not compare
    # (outside the scope, or no scope set), and bystander faces compared in memory only.
    search_photos_not_scanned: Mapped[int | None] = mapped_column(Integer)
    search_faces_compared: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Filed for someone else: the answer waits until staff checked the relationship.
    on_behalf: Mapped[str] = mapped_column(String(20), default=OnBehalf.SELF)
    subject_name: Mapped[str | None] = mapped_column(String(200))
    stated_relationship: Mapped[str | None] = mapped_column(Text)
    relationship_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relationship_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    relationship_check_note: Mapped[str | None] = mapped_column(Text)
    # Identity: the selfie is a search aid, never proof. When the linked person's address
    # on file differs from the requester's, the person confirms through that address,
    # or a privacy officer records an identity check (method and why; no ID copies).
    person_confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    person_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_check: Mapped[str | None] = mapped_column(Text)
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The check itself: a named method (`IdentityCheckMethod`), its outcome ("confirmed" or
    # "failed"), and, for a request without an email address, the postal address checked.
    identity_check_method: Mapped[str | None] = mapped_column(String(20))
    identity_check_outcome: Mapped[str | None] = mapped_column(String(10))
    identity_check_address: Mapped[str | None] = mapped_column(Text)
    # When the requester was told that a check is needed, and how.
    identity_check_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A search before the email address is confirmed needs a privacy officer's reason.
    early_search_reason: Mapped[str | None] = mapped_column(Text)
    # Where and when the requester says they were photographed (optional).
    requested_event: Mapped[str | None] = mapped_column(String(200))
    requested_from: Mapped[date | None] = mapped_column(Date)
    requested_until: Mapped[date | None] = mapped_column(Date)
    # The scope of the on-the-fly scan (policy consented-only), set by staff.
    scope_collections: Mapped[list[str] | None] = mapped_column(JSON)
    scope_from: Mapped[date | None] = mapped_column(Date)
    scope_until: Mapped[date | None] = mapped_column(Date)
    scope_library_wide_reason: Mapped[str | None] = mapped_column(Text)
    # Collections in the scope the scan left out: their photos reveal health and no
    # Art. 9 ground is recorded for them (the answer names them and says why).
    search_collections_not_scanned: Mapped[list[str] | None] = mapped_column(JSON)
    # A scope beyond what the requester named waits for a second privacy officer or an
    # admin (never whoever set it, nor the case's assignee), with their reason.
    scope_widens: Mapped[bool] = mapped_column(Boolean, default=False)
    scope_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    scope_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    scope_approval_reason: Mapped[str | None] = mapped_column(Text)
    # An objection is decided: upheld (erasure effects) or rejected (compelling grounds).
    objection_decision: Mapped[ObjectionDecision | None] = mapped_column(
        str_enum(ObjectionDecision, 10))
    objection_grounds: Mapped[str | None] = mapped_column(Text)
    # What the objection covers (`likeness.dsr.objection_scope`): "all", "face_recognition"
    # and "channel:<channel>" entries, as the person chose them, until an officer confirms.
    objection_scope: Mapped[list[str] | None] = mapped_column(JSON)
    objection_scope_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection_scope_confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"))
    restriction_lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Art. 18(3): why an Art. 18 restriction ends, told to the person before it is lifted.
    restriction_lift_reason: Mapped[str | None] = mapped_column(Text)
    selfie_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When staff last started a face search: the selfie goes at the latest 30 days later.
    last_search_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Registered by staff from an email, letter or call: received_at is the real receipt.
    received_via: Mapped[ReceivedVia] = mapped_column(
        str_enum(ReceivedVia, 20), default=ReceivedVia.PORTAL)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    incoming_message_path: Mapped[str | None] = mapped_column(String(255))
    # Art. 12(5): manifestly unfounded or excessive: refused, or a reasonable fee charged.
    unfounded_reason: Mapped[str | None] = mapped_column(Text)
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    # The fee was received: the request is handled from then, its month counted anew.
    fee_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Review before sending: the answer is drafted, staff look at it, then send it.
    answer_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # Retention: reduced to a minimal record (reference, type, dates, outcome).
    minimised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    history: Mapped[list[RequestStatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="RequestStatusChange.id"
    )


class RequestStatusChange(Base):
    __tablename__ = "request_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(25))
    to_status: Mapped[str] = mapped_column(String(25))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Match(Base):
    __tablename__ = "match"
    __table_args__ = (UniqueConstraint("request_id", "face_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_request.id", ondelete="CASCADE"))
    face_id: Mapped[int] = mapped_column(ForeignKey("face.id", ondelete="CASCADE"))
    distance: Mapped[float] = mapped_column(Float)
    decision: Mapped[MatchDecision] = mapped_column(
        str_enum(MatchDecision, 10), default=MatchDecision.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Erasure: what to do with this photo ("blur" the face, or "delete" the photo).
    erasure_choice: Mapped[str | None] = mapped_column(String(10))


class RequestMessage(Base):
    """A message between staff and the person (shown on the status page), or an
    internal note (never shown to the person)."""

    __tablename__ = "request_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(40))  # "staff:3" or "subject"
    body: Mapped[str] = mapped_column(Text)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestAction(Base):
    """What was done (or kept, and why) to answer a request; listed in the response."""

    __tablename__ = "request_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("subject_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    # Staff's own words (a decision, a correction, an exception); standard steps are
    # worded from `kind` and `params` in the answer's language when it is written.
    detail: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_exception: Mapped[bool] = mapped_column(Boolean, default=False)  # kept, Art. 17(3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
