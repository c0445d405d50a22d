"""Display names for domain values, translated, and dates and periods in the reader's
language: a page never shows a raw code such as `in_progress`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import Flask
from flask_babel import get_locale, get_timezone, ngettext

from likeness.cockpit import transparency
from likeness.consent.channels import CHANNEL_LABELS, channel_words
from likeness.models import (
    BreachStatus,
    Channel,
    DisclosureKind,
    HealthGround,
    InvitationStatus,
    QuitclaimStatus,
    ReceivedVia,
    RequestStatus,
    RequestType,
    Role,
    TakedownReason,
    TemplatePolicy,
)
from likeness.translation import lazy_gettext as _l
from likeness.web.audit_labels import AUDIT_LOG_LABELS, audit_log_label

# What an objection covers (`likeness.dsr.objection_scope`), as the person chooses it.
OBJECTION_SCOPE_LABELS: dict[str, Any] = {
    "all": _l("Every use of photos in which I appear (all processing based on the "
              "organisation's legitimate interest)"),
    "face_recognition": _l("Face recognition: finding me in photos by my face"),
    **{f"channel:{c}": _l("Use of my photos on this channel: %(channel)s",
                          channel=label) for c, label in CHANNEL_LABELS.items()},
}

DISCLOSURE_KIND_LABELS = {
    DisclosureKind.SHARE_LINK: _l("share link"),
    DisclosureKind.DOWNLOAD: _l("download"),
    DisclosureKind.PUBLICATION: _l("publication"),
}

LIGHT_LABELS = {"green": _l("consent"), "amber": _l("consent, ending soon"),
                "red": _l("no consent")}

# Staff in answers are named by role unless the organisation chooses names.
STAFF_ROLE_LABELS: dict[str, Any] = {
    Role.ADMIN: _l("an administrator"),
    Role.PRIVACY_OFFICER: _l("a privacy officer"),
    Role.LIBRARIAN: _l("a librarian"),
    Role.VIEWER: _l("a staff member"),
    "system": _l("the system"),
    "recipient": _l("a recipient of a share link"),
    "subject": _l("you"),
    "person": _l("you"),
}

# What the access log of an answer says happened to a photo.
AUDIT_ACTION_LABELS = {
    "asset.viewed": _l("viewed"),
    "asset.downloaded": _l("downloaded"),
    "share.viewed": _l("viewed through a share link"),
    "disclosure.recorded": _l("shared or published"),
    "request.search_started": _l("searched for"),
    "face.tagged": _l("tagged"),
    "face.untagged": _l("untagged"),
}


RECEIVED_VIA_LABELS = {
    ReceivedVia.PORTAL: _l("the portal"),
    ReceivedVia.EMAIL: _l("email"),
    ReceivedVia.LETTER: _l("letter"),
    ReceivedVia.PHONE: _l("phone"),
    ReceivedVia.IN_PERSON: _l("in person"),
}


TAKEDOWN_REASON_LABELS = {
    TakedownReason.WITHDRAWAL: _l("consent withdrawn"),
    TakedownReason.EXPIRY: _l("consent expired"),
    TakedownReason.OBJECTION: _l("objection"),
    TakedownReason.ERASURE: _l("erasure"),
    TakedownReason.RESTRICTION: _l("restriction"),
    TakedownReason.RECTIFICATION: _l("rectification"),
}
# One plain sentence per channel, for the person who decides (the signing page).
CHANNEL_DESCRIPTIONS = {
    Channel.INTERNAL: _l("Only for colleagues: the intranet, internal newsletters and "
                               "presentations."),
    Channel.WEBSITE: _l("On our public website, where anyone can see them."),
    Channel.SOCIAL_MEDIA: _l("In our posts on social media such as Instagram, LinkedIn "
                                   "or Facebook."),
    Channel.PRINT: _l("On paper: brochures, posters, magazines and annual reports."),
    Channel.THIRD_PARTIES: _l("Given to other organisations we work with, such as "
                                    "newspapers or partners, for their own publications."),
}

REQUEST_TYPE_LABELS = {
    RequestType.ACCESS: _l("Access"),
    RequestType.ERASURE: _l("Erasure"),
    RequestType.OBJECTION: _l("Objection"),
    RequestType.RECTIFICATION: _l("Rectification"),
    RequestType.RESTRICTION: _l("Restriction"),
    RequestType.PORTABILITY: _l("Portability"),
    RequestType.WITHDRAWAL: _l("Withdrawal of consent"),
}

# As the person who asked reads them (the portal and emails) ...
REQUEST_STATUS_LABELS = {
    RequestStatus.AWAITING_VERIFICATION: _l("waiting for your confirmation"),
    RequestStatus.OPEN: _l("received"),
    RequestStatus.INFO_REQUESTED: _l("we need more information"),
    RequestStatus.IN_PROGRESS: _l("being handled"),
    RequestStatus.ANSWERED: _l("answered"),
    RequestStatus.REFUSED: _l("refused"),
    RequestStatus.CLOSED: _l("closed"),
}

# ... and as staff read them (the queue).
REQUEST_STATUS_STAFF_LABELS = {
    RequestStatus.AWAITING_VERIFICATION: _l("Email not confirmed yet"),
    RequestStatus.OPEN: _l("Open"),
    RequestStatus.INFO_REQUESTED: _l("Waiting for information"),
    RequestStatus.IN_PROGRESS: _l("In progress"),
    RequestStatus.ANSWERED: _l("Answered"),
    RequestStatus.REFUSED: _l("Refused"),
    RequestStatus.CLOSED: _l("Closed"),
}

QUITCLAIM_STATUS_LABELS = {
    QuitclaimStatus.SIGNED: _l("Active"),
    QuitclaimStatus.WITHDRAWN: _l("Withdrawn"),
    QuitclaimStatus.EXPIRED: _l("Expired"),
}

INVITATION_STATUS_LABELS = {
    InvitationStatus.OPEN: _l("waiting"),
    InvitationStatus.USED: _l("signed"),
    InvitationStatus.CANCELLED: _l("cancelled"),
    InvitationStatus.FORWARDED: _l("passed on to the parent or guardian"),
}

QUITCLAIM_EVENT_LABELS = {
    "signed": _l("Signed"),
    "pdf_rendered": _l("Signed PDF made"),
    "renewal_invited": _l("Invited to renew"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
    "biometric_withdrawn": _l("Consent to face recognition withdrawn"),
}

BREACH_STATUS_LABELS = {
    BreachStatus.OPEN: _l("Being assessed"),
    BreachStatus.DECIDED: _l("Decided"),
    BreachStatus.CLOSED: _l("Closed"),
}

ROLE_LABELS: dict[str, Any] = {
    Role.ADMIN: _l("Administrator"),
    Role.PRIVACY_OFFICER: _l("Privacy officer"),
    Role.LIBRARIAN: _l("Librarian"),
    Role.VIEWER: _l("Viewer"),
}

# The face template policy in words (its codes, `consented-only` and so on, are for
# configuration only): a short name, and the name with what it does (settings form).
TEMPLATE_POLICY_NAMES = {
    TemplatePolicy.ALL: _l("Every face"),
    TemplatePolicy.CONSENTED_ONLY: _l("Only with consent"),
    TemplatePolicy.OFF: _l("Face recognition off"),
}

TEMPLATE_POLICY_LABELS = {
    TemplatePolicy.ALL: _l("Every face: each detected face gets an encrypted template"),
    TemplatePolicy.CONSENTED_ONLY: _l("Only with consent: templates only of people who "
                                      "allowed face recognition"),
    TemplatePolicy.OFF: _l("Face recognition off: no templates; every stored template is "
                           "deleted"),
}

HEALTH_GROUND_LABELS = {
    HealthGround.EXPLICIT_CONSENT: _l("Explicit consent of each person (Art. 9(2)(a))"),
    HealthGround.VITAL_INTERESTS: _l("Vital interests (Art. 9(2)(c))"),
    HealthGround.MADE_PUBLIC: _l("Made public by the person (Art. 9(2)(e))"),
    HealthGround.LEGAL_CLAIMS: _l("Legal claims (Art. 9(2)(f))"),
    HealthGround.SUBSTANTIAL_PUBLIC_INTEREST: _l(
        "Substantial public interest under a specific law (Art. 9(2)(g))"),
    HealthGround.HEALTH_CARE: _l("Provision of care, under professional secrecy "
                                       "(Art. 9(2)(h))"),
    HealthGround.ARCHIVING: _l("Archiving in the public interest (Art. 9(2)(j))"),
}


def quitclaim_event_label(kind: str) -> str:
    """`channel_withdrawn:website` -> "Withdrawn for: Website"; unknown kinds as they are."""
    if kind.startswith("channel_withdrawn:"):
        channel = kind.split(":", 1)[1]
        return str(_l("Withdrawn for: %(channel)s",
                      channel=CHANNEL_LABELS.get(channel, channel)))
    return str(QUITCLAIM_EVENT_LABELS.get(kind, kind))


def quitclaim_event_detail(kind: str, detail: str | None) -> str:
    """The detail of a history event in words: `website, social_media; biometric` ->
    "Website, Social media; face recognition". A file's hash says nothing here."""
    if not detail or kind == "pdf_rendered":
        return ""
    if kind != "signed":
        return detail
    channels, _sep, biometric = detail.partition("; ")
    return channel_words(channels) + ("; " + str(_l("face recognition")) if biometric else "")


def _locale() -> Locale:
    """The current language; English as written in Europe (26 November 2026)."""
    locale = get_locale() or Locale("en")
    return Locale("en", "GB") if locale.language == "en" else locale


def long_date(value: date | datetime | str | None) -> str:
    """7 december 2026 / 7 December 2026, in the current language; an instant counts
    on our users' clock (Europe/Amsterdam), so 23:30 UTC may already be the next day.
    An ISO string (the register's facts, kept as JSON) is read first."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(get_timezone())
    return str(format_date(value, format="long", locale=_locale()))


def date_time(value: datetime | None, seconds: bool = False) -> str:
    """A moment on our users' clock (Europe/Amsterdam): 7 december 2026 14:05 (with
    `seconds`, 14:05:09: the audit log)."""
    if value is None:
        return ""
    pattern = "d MMMM y HH:mm:ss" if seconds else "d MMMM y HH:mm"
    return str(format_datetime(value, format=pattern, tzinfo=get_timezone(),
                               locale=_locale()))


def month(value: str, short: bool = False) -> str:
    """A calendar month kept as "2026-11": november 2026 / November 2026 (short: nov 26)."""
    year, _dash, number = value.partition("-")
    first = date(int(year), int(number), 1)
    return str(format_date(first, format="LLL yy" if short else "LLLL y", locale=_locale()))


def period(months: int) -> str:
    """5 jaar / 5 years, 18 maanden / 18 months."""
    if months % 12 == 0:
        return ngettext("%(num)d year", "%(num)d years", months // 12)
    return ngettext("%(num)d month", "%(num)d months", months)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        channel_labels=CHANNEL_LABELS,
        objection_scope_labels=OBJECTION_SCOPE_LABELS,
        disclosure_kind_labels=DISCLOSURE_KIND_LABELS,
        light_labels=LIGHT_LABELS,
        staff_role_labels=STAFF_ROLE_LABELS,
        audit_action_labels=AUDIT_ACTION_LABELS,
        audit_log_label=audit_log_label,
        audit_log_codes=sorted(AUDIT_LOG_LABELS),
        received_via_labels=RECEIVED_VIA_LABELS,
        takedown_reason_labels=TAKEDOWN_REASON_LABELS,
        dpo_contact=transparency.dpo_contact,
        channel_descriptions=CHANNEL_DESCRIPTIONS,
        request_type_labels=REQUEST_TYPE_LABELS,
        request_status_labels=REQUEST_STATUS_LABELS,
        request_status_staff_labels=REQUEST_STATUS_STAFF_LABELS,
        quitclaim_status_labels=QUITCLAIM_STATUS_LABELS,
        invitation_status_labels=INVITATION_STATUS_LABELS,
        quitclaim_event_label=quitclaim_event_label,
        quitclaim_event_detail=quitclaim_event_detail,
        role_labels=ROLE_LABELS,
        breach_status_labels=BREACH_STATUS_LABELS,
        template_policy_labels=TEMPLATE_POLICY_LABELS,
        template_policy_names=TEMPLATE_POLICY_NAMES,
        health_ground_labels=HEALTH_GROUND_LABELS,
        period=period,
    )
    app.jinja_env.filters.update(long_date=long_date, date_time=date_time, month=month)
