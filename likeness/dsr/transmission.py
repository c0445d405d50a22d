"""Art. 20(2): the export of a portability request sent straight to another controller.

The person names the receiving controller's address (typed twice) on their status page;
that controller is mailed a signed link (itsdangerous) that downloads the export. The
link works for PORTABILITY_LINK_DAYS, and only while the export it was made for still
exists: once retention deletes it (or a new draft replaces it) the link is gone. Every
send and every download is audited, with a keyed hash of the address, never the address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.dsr import casework
from likeness.errors import Gone, InvalidInput, NotFound
from likeness.extensions import db
from likeness.library import suppression
from likeness.models import AuditEvent, RequestType, SubjectRequest, utcnow
from likeness.platform import audit, mail, tokens
from likeness.platform.actor import SUBJECT, NamedActor
from likeness.platform.addresses import normalise_email
from likeness.platform.links import external_url
from likeness.platform.uow import use_case

SENT = "request.export_transmitted"
DOWNLOADED = "request.export_transmission_downloaded"
# Sends per request per day: enough for a typo and a second controller, not for spam.
SENDS_PER_DAY = 3


@dataclass(frozen=True)
class Download:
    relative: str  # the export's storage key
    name: str  # the file name the receiver saves


def available(request: SubjectRequest) -> bool:
    """The person may have this request's export sent on: an answered portability request
    whose export still exists."""
    return (request.type == RequestType.PORTABILITY and request.answer_sent_at is not None
            and request.export_zip_path is not None and request.export_zip_sha256 is not None)


def link_days() -> int:
    return int(current_app.config["PORTABILITY_LINK_DAYS"])


@use_case
def send_to_controller(request_id: int, address: str, repeated: str) -> datetime:
    """Mail the receiving controller a download link to the export; returns until when
    it works. Refuses a mistyped, invalid or erased person's address, and more than
    SENDS_PER_DAY sends a day."""
    request = casework.get(request_id)
    if not available(request):
        raise InvalidInput(_("There is no export of this request to send."))
    if not address.strip():
        raise InvalidInput(_("Enter the email address of the organisation that should "
                             "receive your data."), field="address")
    to = normalise_email(address)
    try:
        again = normalise_email(repeated)
    except InvalidInput:
        again = ""
    if to != again:
        raise InvalidInput(_("The two addresses are not the same. Type the address of the "
                             "receiving organisation twice, exactly alike."), field="repeated")
    if suppression.is_suppressed_address(to):
        raise InvalidInput(_("We cannot send anything to this address."), field="address")
    if _sends_today(request) >= SENDS_PER_DAY:
        raise InvalidInput(_("This export was sent on %(num)d times today; you can send it "
                             "again tomorrow.", num=SENDS_PER_DAY))
    link_id = secrets.token_hex(8)
    token = tokens.make(tokens.Purpose.PORTABILITY_TRANSMISSION,
                        {"r": request.id, "z": request.export_zip_sha256, "l": link_id})
    until = utcnow() + timedelta(days=link_days())
    mail.queue_email(to, "portability_transmission", language=request.language,
                     request=request, until=until,
                     url=external_url("portal.transmitted_export", token=token))
    audit.record(SENT, actor=SUBJECT, subject=f"request:{request.id}",
                 details={"link": link_id, "to": suppression.keyed_hash(to)[:16],
                          "days": link_days()})
    return until


@use_case  # the download's audit event must commit
def open_link(token: str) -> Download:
    """The export a transmission link points to. Expired: 410; the export deleted or
    replaced since: 410; tampered: 400."""
    payload = tokens.read(tokens.Purpose.PORTABILITY_TRANSMISSION, token,
                          max_age_seconds=link_days() * 86400)
    request_id, digest = payload.get("r"), payload.get("z")
    request = db.session.get(SubjectRequest, request_id) if isinstance(request_id, int) else None
    if request is None:
        raise NotFound(_("No such request."))
    if not available(request) or request.export_zip_sha256 != digest:
        raise Gone(_("This export is no longer available: it was deleted when its "
                     "retention period ended. Ask the person to request it again."))
    audit.record(DOWNLOADED, actor=NamedActor("controller"),
                 subject=f"request:{request.id}", details={"link": str(payload.get("l"))})
    return Download(relative=str(request.export_zip_path),
                    name=f"{request.reference}-export.zip")


def _sends_today(request: SubjectRequest) -> int:
    return int(db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == SENT, AuditEvent.subject == f"request:{request.id}",
        AuditEvent.created_at >= utcnow() - timedelta(days=1))) or 0)
