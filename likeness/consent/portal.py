"""The portal's consent side: magic links by email, and what they let a person see.

A *Manage my consent* link carries an opaque random token, never the address (a
signed token would show it to anyone who sees the URL, in base64). Only the token's
hash is stored, with the address it opens, its expiry, and when it was revoked: a
newer link for the address revokes the older ones, and the person can end a link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from likeness.consent import guardians, records
from likeness.errors import DomainError, NotFound
from likeness.extensions import db
from likeness.library import blur
from likeness.library.renditions import Purpose, render
from likeness.models import Asset, ConsentLink, ManageLinkRequest, Person, Quitclaim, utcnow
from likeness.platform import mail, tokens
from likeness.platform.addresses import normalise_email
from likeness.platform.jobs import job
from likeness.platform.links import external_url
from likeness.platform.uow import use_case


@use_case
def send_manage_link(raw_email: str) -> None:
    """Queue the check-and-send job. The page answers the same, and as fast, whether or
    not the address is known: it stores the normalised address (known or not) and looks
    nothing up; the job does, with the id of that row."""
    try:
        email = normalise_email(raw_email)
    except DomainError:  # an invalid address simply gets no email
        return
    asked = ManageLinkRequest(email=email)
    db.session.add(asked)
    db.session.flush()
    deliver_manage_link.later(asked.id)


@job
@use_case
def deliver_manage_link(request_id: int) -> None:
    """Job: email a magic link if the address asked for has consent to manage; otherwise
    nothing. The stored address goes either way (it was needed only for this)."""
    asked = db.session.get(ManageLinkRequest, request_id)
    if asked is None:  # handled already
        return
    email = asked.email
    db.session.delete(asked)
    known = [p for p in db.session.scalars(select(Person).where(
        (func.lower(Person.email) == email) | (func.lower(Person.guardian_email) == email)))
        if (p.email or "").strip().lower() == email or guardians.consents(p)]
    if not known:  # a guardian of someone 16 or older has nothing to manage
        return
    hours = current_app.config["MANAGE_LINK_HOURS"]
    now = utcnow()
    db.session.execute(update(ConsentLink).where(
        ConsentLink.email == email, ConsentLink.revoked_at.is_(None)).values(revoked_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(ConsentLink(token_sha256=_digest(token), email=email,
                               expires_at=now + timedelta(hours=hours)))
    mail.queue_email(email, "manage_consent_link", language=_language_of(email),
                     url=external_url("portal.consent_overview", token=token), hours=hours)


def manage_url(email: str) -> str:
    """The personal "Manage my consent" link for this address, for the emails we send it
    (in the current unit of work): one tap opens the overview, no address to type. It is
    a link like those asked for on the portal (stored as a hash, can be ended), but lives
    longer (`MANAGE_LINK_IN_EMAILS_DAYS`): a receipt is read days later. An expired one
    leads to a fresh link in one step."""
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    days = current_app.config["MANAGE_LINK_IN_EMAILS_DAYS"]
    db.session.add(ConsentLink(token_sha256=_digest(token), email=email,
                               expires_at=utcnow() + timedelta(days=days)))
    return external_url("portal.consent_overview", token=token)


def email_from_link(token: str) -> str:
    """The address a live link opens; 400 for a link that never was, 410 for one that
    expired or was revoked."""
    link = _link(token)
    if link.revoked_at is not None or link.expires_at <= utcnow():
        raise tokens.ExpiredLink(_("This link has expired or was replaced by a newer one. "
                                   "Ask for a new link."))
    return link.email


@use_case
def end_link(token: str) -> None:
    """The person is done: this link stops working at once."""
    link = _link(token)
    if link.revoked_at is None:
        link.revoked_at = utcnow()


def _link(token: str) -> ConsentLink:
    link = db.session.scalar(select(ConsentLink).where(
        ConsentLink.token_sha256 == _digest(token)))
    if link is None:
        raise tokens.InvalidLink()
    return link


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def quitclaim_of(email: str, quitclaim_id: int) -> tuple[Quitclaim, Person]:
    """The quitclaim if it belongs to this address; another's is simply not found."""
    for quitclaim, person in records.for_email(email):
        if quitclaim.id == quitclaim_id:
            return quitclaim, person
    raise NotFound(_("No such quitclaim."))


def photo_for_person(asset: Asset, person_id: int) -> str:
    """A preview of a photo for the person it shows: every other face blurred."""
    return render(asset, Purpose.PREVIEW, blur.everyone_but(asset.id, person_id))


def _language_of(email: str) -> str:
    language = db.session.scalar(
        select(Quitclaim.language).join(Person, Person.id == Quitclaim.person_id)
        .where(func.lower(Person.email) == email).order_by(Quitclaim.id.desc()).limit(1)
    )
    return language or "nl"
