"""Display names for domain values, translated."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from likeness.models import (
    Channel,
    DisclosureKind,
    QuitclaimStatus,
    ReceivedVia,
    Role,
    TakedownReason,
)
from likeness.staff import transparency

CHANNEL_LABELS = {
    Channel.INTERNAL.value: _l("Internal use"),
    Channel.WEBSITE.value: _l("Website"),
    Channel.SOCIAL_MEDIA.value: _l("Social media"),
    Channel.PRINT.value: _l("Print"),
    Channel.THIRD_PARTIES.value: _l("Third parties"),
}

DISCLOSURE_KIND_LABELS = {
    DisclosureKind.SHARE_LINK.value: _l("share link"),
    DisclosureKind.DOWNLOAD.value: _l("download"),
    DisclosureKind.PUBLICATION.value: _l("publication"),
}

LIGHT_LABELS = {"green": _l("consent"), "amber": _l("consent, ending soon"),
                "red": _l("no consent")}

QUITCLAIM_STATUS_LABELS = {
    QuitclaimStatus.SIGNED.value: _l("signed"),
    QuitclaimStatus.WITHDRAWN.value: _l("withdrawn"),
    QuitclaimStatus.EXPIRED.value: _l("expired"),
}

# Staff in answers are named by role unless the organisation chooses names.
STAFF_ROLE_LABELS = {
    Role.ADMIN.value: _l("an administrator"),
    Role.PRIVACY_OFFICER.value: _l("a privacy officer"),
    Role.LIBRARIAN.value: _l("a librarian"),
    Role.VIEWER.value: _l("a staff member"),
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
}


RECEIVED_VIA_LABELS = {
    ReceivedVia.PORTAL.value: _l("the portal"),
    ReceivedVia.EMAIL.value: _l("email"),
    ReceivedVia.LETTER.value: _l("letter"),
    ReceivedVia.PHONE.value: _l("phone"),
    ReceivedVia.IN_PERSON.value: _l("in person"),
}


TAKEDOWN_REASON_LABELS = {
    TakedownReason.WITHDRAWAL.value: _l("consent withdrawn"),
    TakedownReason.EXPIRY.value: _l("consent expired"),
    TakedownReason.OBJECTION.value: _l("objection"),
    TakedownReason.ERASURE.value: _l("erasure"),
    TakedownReason.RESTRICTION.value: _l("restriction"),
    TakedownReason.RECTIFICATION.value: _l("rectification"),
}


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        channel_labels=CHANNEL_LABELS,
        disclosure_kind_labels=DISCLOSURE_KIND_LABELS,
        light_labels=LIGHT_LABELS,
        quitclaim_status_labels=QUITCLAIM_STATUS_LABELS,
        staff_role_labels=STAFF_ROLE_LABELS,
        audit_action_labels=AUDIT_ACTION_LABELS,
        received_via_labels=RECEIVED_VIA_LABELS,
        takedown_reason_labels=TAKEDOWN_REASON_LABELS,
        dpo_contact=transparency.dpo_contact,
    )
