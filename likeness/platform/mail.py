"""Email: stored first, delivered by a job (SMTP, or .eml files in development).

The stored copy holds no links, only placeholders; the links are sealed outside the
database's reach until the mail is sent (`likeness.platform.mail_links`)."""

from __future__ import annotations

import os
import posixpath
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import OutgoingEmail, utcnow
from likeness.platform import mail_links, outbox
from likeness.platform.jobs import Job, job
from likeness.platform.storage import storage
from likeness.platform.uow import use_case

# Checks an area registers: `guard(recipient, template)` returns why this mail may not
# go to this address (e.g. a person erased at their request), or None.
RecipientGuard = Callable[[str, str], str | None]
_GUARDS: list[RecipientGuard] = []


def recipient_guard(guard: RecipientGuard) -> RecipientGuard:
    _GUARDS.append(guard)
    return guard


def queue_email(
    recipient: str,
    template: str,
    *,
    language: str = "en",
    attachments: list[str] | None = None,
    then: tuple[Job[..., Any], list[Any]] | None = None,
    **context: Any,
) -> OutgoingEmail:
    """Render `templates/email/<template>.txt` in `language` and queue it in the current
    unit of work (flushes only; sent by a job after the commit).

    The template's first line is `Subject: ...`; the rest is the body. `then` is a job
    (handle, arguments) queued once the email has been sent. A mail a registered guard
    refuses raises InvalidInput with its reason (and the unit of work rolls back).
    """
    for guard in _GUARDS:
        refused = guard(recipient, template)
        if refused:
            raise InvalidInput(refused)
    with force_locale(language):
        rendered = render_template(f"email/{template}.txt", **context)
        # Every email says where the privacy notice is and whom to ask (Art. 13, 37(7)).
        footer = render_template("email/_footer.txt")
        first, _, body = rendered.lstrip().partition("\n")
        stored_body, links = mail_links.withhold(body.strip() + "\n\n" + footer.strip() + "\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email template {template} must start with 'Subject:'")
    email = OutgoingEmail(
        recipient=recipient,
        subject=first[len("Subject:"):].strip(),
        body_text=stored_body,
        attachments=list(attachments or []),
        then_job=then[0].name if then else None,
        then_args=list(then[1]) if then else None,
    )
    db.session.add(email)
    db.session.flush()  # the id binds the sealed links to this mail
    email.sealed_links = mail_links.seal(links, email.id)
    deliver.later(email.id)
    return email


@use_case
def send_now(recipients: list[str], template: str, *, language: str = "en",
             **context: Any) -> int:
    """Render and send at once, not through the outbox: for alerts about the outbox
    itself (no worker alive, jobs given up), which a job could never deliver. Each
    mail is stored as sent, like every other. Returns how many were sent."""
    sent = 0
    for recipient in recipients:
        with force_locale(language):
            rendered = render_template(f"email/{template}.txt", **context)
            first, _, body = rendered.lstrip().partition("\n")
            stored_body, links = mail_links.withhold(body.strip() + "\n")
        email = OutgoingEmail(recipient=recipient, subject=first[len("Subject:"):].strip(),
                              body_text=stored_body, attachments=[])
        db.session.add(email)
        db.session.flush()
        _send(email, mail_links.restore(stored_body, links))
        email.sent_at = utcnow()
        sent += 1
    return sent


@job
@use_case
def deliver(email_id: int) -> None:
    """Job: send one stored email. Idempotent: an email already sent is not sent again."""
    email = db.session.get(OutgoingEmail, email_id)
    if email is None or email.sent_at is not None:
        return
    _send(email, mail_links.restore(email.body_text,
                                    mail_links.unseal(email.sealed_links, email.id)))
    email.sent_at = utcnow()
    email.sealed_links = None  # sent: the stored copy keeps only the placeholders
    if email.then_job:
        outbox.add(email.then_job, *(email.then_args or []))


def _send(email: OutgoingEmail, body: str) -> None:
    message = _build_message(email, body)
    cfg = current_app.config
    if cfg["MAIL_SERVER"]:
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        # Development mail holds personal data: readable by the owner only.
        outbox_dir = Path(cfg["INSTANCE_PATH"]) / "outbox"
        outbox_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = outbox_dir / f"{email.id:08d}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())


def _build_message(email: OutgoingEmail, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="likeness.local")
    message.set_content(body)
    store = storage()  # attachments are stored objects (the bucket, with STORAGE=s3)
    for key in email.attachments:
        name = posixpath.basename(key)
        subtype = "pdf" if name.endswith(".pdf") else "octet-stream"
        message.add_attachment(
            store.read(key), maintype="application", subtype=subtype, filename=name
        )
    return message
