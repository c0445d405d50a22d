"""The written answer to a request: drafted by a job, reviewed by staff, sent by them.

The draft is a PDF in the request's language (and, for access and portability, the
export ZIP). Staff read both on the case page and send them with an explicit action;
only then is the person emailed, the request "answered" on their status page, the
reference selfie deleted, and (after an objection decision) the restriction lifted once
that email is out (Art. 18(3)).
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import func, select

from likeness.cockpit import facts as register_facts
from likeness.dsr import (
    action_texts,
    casework,
    export,
    links,
    objection,
    portability,
    readiness,
)
from likeness.dsr.answer_content import AnswerContent, gather
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import AuditEvent, RequestStatus, RequestType, SubjectRequest, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.clock import AMSTERDAM
from likeness.platform.jobs import job
from likeness.platform.pdf import data_uri, render_pdf, sha256
from likeness.platform.storage import storage
from likeness.platform.uow import on_rollback, use_case

WITH_COPY = {RequestType.ACCESS, RequestType.PORTABILITY}
# Photos shown in the PDF itself; all of them are in the export.
PDF_PHOTOS = 60
PDF_PHOTO_PX = 600
# Reads of a draft that count as its review: the PDF, or its text on screen.
REVIEW_READS = {"answer.pdf", "answer.html"}


@casework.drafts_answers
@job(about="request")
@use_case
def render_answer(request_id: int) -> None:
    """Job: draft the answer PDF (and the export ZIP) and store their sha256. Nothing is
    sent: staff review the draft first. Idempotent per state."""
    request = casework.get(request_id)
    if request.response_pdf_path:
        return
    content = gather(request)
    pdf = _pdf(content)
    request.response_html = _html(content)
    digest = sha256(pdf)
    relative = f"pdf/responses/{request.reference}-{digest[:12]}.pdf"
    _write_file(relative, pdf)
    request.response_pdf_path, request.response_pdf_sha256 = relative, digest
    request.answer_sent_at = None
    if content.disclose and request.type in WITH_COPY and request.export_zip_path is None:
        # Art. 20: the person's own data in a documented schema; Art. 15: everything held.
        builder = portability.build if request.type == RequestType.PORTABILITY else export.build
        archive = builder(content)
        zdigest = sha256(archive)
        zrelative = f"exports/{request.reference}-{zdigest[:12]}.zip"
        _write_file(zrelative, archive)
        request.export_zip_path, request.export_zip_sha256 = zrelative, zdigest
    audit.record("request.answer_drafted", actor=SYSTEM, subject=f"request:{request.id}",
                 details={"photos": len(content.photos),
                          "zip": request.export_zip_path is not None})


@use_case
def send(request_id: int, *, actor: Actor) -> SubjectRequest:
    """Send the reviewed answer: email the person, mark the request answered."""
    request = casework.get(request_id)
    if not request.response_pdf_path:
        raise InvalidInput(_("The answer is still being prepared."))
    if request.answer_sent_at is not None:
        return request  # a second press sends nothing twice
    readiness.require_send(request)
    lifting = objection.restriction_to_lift(request)
    then = (objection.lift_restriction, [request.id]) if lifting else None
    if request.email:
        # Art. 18(3): the restriction ends only once the person was told.
        mail.queue_email(request.email, "request_response", language=request.language,
                         request=request, url=links.status_url(request), lifting=lifting,
                         then=then)
    elif then:
        then[0].later(*then[1])  # answered by post: staff sent it just now
    request.answer_sent_at = utcnow()
    request.answer_sent_by_id = actor.staff_id
    if request.status != RequestStatus.REFUSED:
        casework.set_status(request, RequestStatus.ANSWERED, actor=actor)
    casework.forget_selfie(request, actor=actor, reason="answered")
    audit.record("request.answer_sent", actor=actor, subject=f"request:{request.id}",
                 details={"sha256": request.response_pdf_sha256})
    return request


def reviewed(request: SubjectRequest) -> bool:
    """Whether staff opened the current draft of the answer. The audit log already records
    every read of it (`staff_file`, `read`), so the review is that read, after the last
    draft. A read, not a use case: as one it took SQLite's write lock and committed twice
    per case page, and each commit made the page load its rows again."""
    if not request.response_pdf_path:
        return False
    subject = f"request:{request.id}"
    drafted = db.session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.subject == subject, AuditEvent.action == "request.answer_drafted"))
    reads = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.subject == subject, AuditEvent.action == "request.file_read",
        AuditEvent.id > (drafted or 0)))
    return any((details or {}).get("file") in REVIEW_READS for details in reads)


@use_case  # the read's audit event must commit, as for the files
def read(request_id: int, *, actor: Actor) -> SubjectRequest:
    """The drafted answer to read on screen (`response_html`); an audited read, which
    is the review of this draft."""
    request = casework.get(request_id)
    if not request.response_pdf_path or not request.response_html:
        raise NotFound(_("There is no draft of the answer to read yet."))
    audit.record("request.file_read", actor=actor, subject=f"request:{request.id}",
                 details={"file": "answer.html"})
    return request


@use_case  # the read's audit event must commit: "every read is audited"
def staff_file(request_id: int, kind: str, *, actor: Actor) -> tuple[str, str]:
    """A file of the request for staff (the answer, the export, the message as received):
    its storage key and media type. Every read is audited."""
    request = casework.get(request_id)
    files = {"answer.pdf": (request.response_pdf_path, "application/pdf"),
             "export.zip": (request.export_zip_path, "application/zip"),
             "incoming": (request.incoming_message_path, "application/octet-stream")}
    relative, mimetype = files.get(kind, (None, ""))
    if not relative:
        raise NotFound(_("There is no such file for this request."))
    audit.record("request.file_read", actor=actor, subject=f"request:{request.id}",
                 details={"file": kind})
    return relative, mimetype


def _pdf(content: AnswerContent) -> bytes:
    request = content.request
    copies = [storage().read(p.copy_key) for p in content.photos[:PDF_PHOTOS]]
    # Pillow lets go of the GIL while it decodes, scales and encodes: use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        images = {f"photo-{number}.jpg": jpeg
                  for number, jpeg in enumerate(pool.map(_pdf_photo, copies))}
    return render_pdf("response.html", language=request.language, images=images,
                      photos=[f"embedded:{name}" for name in images], **_context(content))


def _html(content: AnswerContent) -> str:
    """The answer's text as an HTML fragment, from the template the PDF is made of
    (without the photos, which staff see on the case page and in the PDF)."""
    with force_locale(content.request.language):
        return render_template("pdf/_response_body.html", photos=[], **_context(content))


def _context(content: AnswerContent) -> dict[str, object]:
    request = content.request
    periods = register_facts.retention()
    return dict(
        request=request, content=content, photo_count=len(content.photos),
        actions=casework.actions(request.id), describe=action_texts.describe,
        organisation=current_app.config["ORGANISATION_NAME"], logo=_logo(),
        received_local=request.received_at.astimezone(AMSTERDAM),
        deadline=casework.current_deadline(request), with_copy=request.type in WITH_COPY,
        # The periods as the privacy notice prints them (Art. 15(1)(d)): one source.
        retention_table=periods, retention_periods={p["key"]: p["value"] for p in periods},
    )


def _pdf_photo(copy: bytes) -> bytes:
    """A photo as the PDF shows it (38 mm wide): about PDF_PHOTO_PX on its long side,
    some 400 dpi. The full-size copies are in the export; embedding them here made a
    200-photo answer's PDF 15 MB and most of its drafting time."""
    with Image.open(io.BytesIO(copy)) as stored:
        scale = PDF_PHOTO_PX / max(stored.size)
        # JPEG: decode at the smallest reduction (1/2, 1/4, 1/8) still at least that size.
        stored.draft("RGB", (round(stored.width * scale), round(stored.height * scale)))
        image = stored.convert("RGB")
    if max(image.size) > PDF_PHOTO_PX * 1.2:  # the reduced decode is close enough already
        image.thumbnail((PDF_PHOTO_PX, PDF_PHOTO_PX))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _write_file(relative: str, content: bytes) -> None:
    """Write an answer file; it goes again if the unit of work fails (no file without row)."""
    storage().write(relative, content)
    on_rollback(lambda: storage().delete(relative))


def _logo() -> str | None:
    """The organisation's logo (setting ORGANISATION_LOGO), re-encoded as PNG, or None."""
    configured = current_app.config.get("ORGANISATION_LOGO")
    if not configured:
        return None
    try:
        with Image.open(configured) as logo:
            logo.thumbnail((600, 200))
            buffer = io.BytesIO()
            logo.convert("RGBA").save(buffer, "PNG")
    except (OSError, Image.DecompressionBombError):
        return None  # a missing or broken logo must not stop an answer going out
    return data_uri(buffer.getvalue(), "image/png")
