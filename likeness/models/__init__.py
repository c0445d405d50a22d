"""All models, imported here so Alembic and the app see the whole schema."""

from likeness.models.asset import (
    Asset,
    AssetStatus,
    Face,
    FaceIndexChange,
    FaceIndexState,
    FaceOrigin,
    SuggestionRejection,
    TagSource,
)
from likeness.models.audit import AuditEvent
from likeness.models.base import Base, utcnow
from likeness.models.cockpit import (
    Breach,
    BreachStatus,
    DpiaVersion,
    HoldScope,
    LegalHold,
    ReviewFlag,
)
from likeness.models.disclosure import (
    Disclosure,
    DisclosureFace,
    DisclosureKind,
    TakedownReason,
    TakedownTask,
)
from likeness.models.erasure import ErasureKind, ErasureLedgerEntry
from likeness.models.integration import (
    ApiKey,
    ExternalAsset,
    ExternalSubject,
    Integration,
    IntegrationEvent,
    Scope,
)
from likeness.models.mail import OutgoingEmail
from likeness.models.outbox import OutboxJob, OutboxStatus
from likeness.models.person import Person
from likeness.models.quitclaim import (
    Channel,
    InvitationStatus,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimEvent,
    QuitclaimInvitation,
    QuitclaimStatus,
    SignatureKind,
)
from likeness.models.request import (
    IdentityCheckMethod,
    Match,
    MatchDecision,
    ObjectionDecision,
    OnBehalf,
    ReceivedVia,
    RequestAction,
    RequestMessage,
    RequestStatus,
    RequestStatusChange,
    RequestType,
    SearchStatus,
    SubjectRequest,
)
from likeness.models.security import (
    AgeAnswer,
    ConsentLink,
    FormSubmission,
    StaffRecoveryCode,
)
from likeness.models.setting import Setting, TemplatePolicy
from likeness.models.share import RecipientNotice, ShareLink, ShareLinkAsset
from likeness.models.staff import Role, StaffUser
from likeness.models.tag_proposal import ProposalStatus, TagProposal

__all__ = [
    "AgeAnswer",
    "ApiKey",
    "ProposalStatus",
    "TagProposal",
    "ExternalAsset",
    "ExternalSubject",
    "Integration",
    "IntegrationEvent",
    "Scope",
    "ConsentLink",
    "FormSubmission",
    "StaffRecoveryCode",
    "Asset",
    "AssetStatus",
    "FaceOrigin",
    "AuditEvent",
    "Base",
    "Breach",
    "BreachStatus",
    "Channel",
    "Disclosure",
    "DisclosureFace",
    "DisclosureKind",
    "DpiaVersion",
    "ErasureKind",
    "ErasureLedgerEntry",
    "Face",
    "FaceIndexChange",
    "FaceIndexState",
    "HoldScope",
    "InvitationStatus",
    "LegalHold",
    "Match",
    "MatchDecision",
    "ObjectionDecision",
    "OnBehalf",
    "OutboxJob",
    "OutboxStatus",
    "OutgoingEmail",
    "Person",
    "Quitclaim",
    "QuitclaimAsset",
    "QuitclaimChannel",
    "QuitclaimEvent",
    "QuitclaimInvitation",
    "QuitclaimStatus",
    "IdentityCheckMethod",
    "ReceivedVia",
    "RecipientNotice",
    "RequestAction",
    "RequestMessage",
    "RequestStatus",
    "RequestStatusChange",
    "RequestType",
    "ReviewFlag",
    "Role",
    "SearchStatus",
    "Setting",
    "SignatureKind",
    "ShareLink",
    "ShareLinkAsset",
    "StaffUser",
    "SuggestionRejection",
    "SubjectRequest",
    "TagSource",
    "TakedownReason",
    "TakedownTask",
    "TemplatePolicy",
    "utcnow",
]
