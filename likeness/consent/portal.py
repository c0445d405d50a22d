"""The portal's consent side: magic links by email, and what they let a person see."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.consent import records
from likeness.errors import DomainError, NotFound
from likeness.extensions import db
from likeness.library import blur
from likeness.library.renditions import Purpose, render
from likeness.models import Asset, Person, Quitclaim
from likeness.platform import mail, outbox, tokens
from likeness.platform.addresses import normalise_email
from likeness.platform.jobs import job
from likeness.platform.links import external_url
from likeness.platform.uow import use_case


@use_case
def send_manage_link(raw_email: str) -> None:
    """Queue the check-and-send job. The page answers the same, and as fast, whether or
    not the address is known: the lookup happens in the job, not in the request."""
    try:
        email = normalise_email(raw_email)
    except DomainError:  # an invalid address simply gets no email
        return
    outbox.add("send_manage_link", email)


@job("send_manage_link")
@use_case
def deliver_manage_link(email: str) -> None:
    """Job: email a magic link if this address has consent to manage; otherwise nothing."""
    known = db.session.scalar(
        select(func.count()).select_from(Person).where(
            (func.lower(Person.email) == email) | (func.lower(Person.guardian_email) == email)
        )
    )
    if not known:
        return
    hours = current_app.config["MANAGE_LINK_HOURS"]
    token = tokens.make(tokens.Purpose.MANAGE_CONSENT, {"e": email})
    mail.queue_email(email, "manage_consent_link", language=_language_of(email),
                     url=external_url("portal.consent_overview", token=token), hours=hours)


def email_from_link(token: str) -> str:
    hours = current_app.config["MANAGE_LINK_HOURS"]
    payload = tokens.read(tokens.Purpose.MANAGE_CONSENT, token, max_age_seconds=hours * 3600)
    email = payload.get("e")
    if not isinstance(email, str):
        raise tokens.InvalidLink()
    return email


def quitclaim_of(email: str, quitclaim_id: int) -> tuple[Quitclaim, Person]:
    """The quitclaim if it belongs to this address; another's is simply not found."""
    for quitclaim, person in records.for_email(email):
        if quitclaim.id == quitclaim_id:
            return quitclaim, person
    raise NotFound(_("No such quitclaim."))


def photo_for_person(asset: Asset, person_id: int) -> Path:
    """A preview of a photo for the person it shows: every other face blurred."""
    return render(asset, Purpose.PREVIEW, blur.everyone_but(asset.id, person_id))


def _language_of(email: str) -> str:
    language = db.session.scalar(
        select(Quitclaim.language).join(Person, Person.id == Quitclaim.person_id)
        .where(func.lower(Person.email) == email).order_by(Quitclaim.id.desc()).limit(1)
    )
    return language or "nl"
