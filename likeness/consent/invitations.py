"""Asking someone for a quitclaim: invite (a known or a new person), resend, cancel, renew,
and open the signed link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from likeness.consent import guardians, history, rules
from likeness.errors import Gone, InvalidInput, NotFound
from likeness.extensions import db
from likeness.library import catalogue, people, suppression
from likeness.models import (
    Asset,
    Channel,
    InvitationStatus,
    Person,
    Quitclaim,
    QuitclaimInvitation,
    utcnow,
)
from likeness.platform import audit, mail, tokens
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.links import external_url
from likeness.platform.uow import use_case


@use_case
def invite(
    person_id: int,
    asset_ids: list[int],
    channels: list[str],
    *,
    validity_months: int = 60,
    language: str = "nl",
    third_parties: str = "",
    actor: Actor,
) -> QuitclaimInvitation:
    """Create an invitation and email the person (or their guardian) a signed link.

    Asking for the "third parties" channel means naming them: the person sees who."""
    person = rules.person(person_id)
    if suppression.is_suppressed_person(person):
        # Erased at their request: no invitation, no mail, not even to a new record of
        # the same address.
        raise InvalidInput(_("This person asked for erasure: they may not be invited."))
    channels = rules.valid_channels(channels)
    third_parties = third_parties.strip()
    if Channel.THIRD_PARTIES in channels and not third_parties:
        raise InvalidInput(_("Name the third parties the photos may be given to; the person "
                             "sees them before signing."))
    if not asset_ids:
        raise InvalidInput(_("Choose at least one photo."), field="photos")
    found = set(db.session.scalars(select(Asset.id).where(Asset.id.in_(asset_ids))))
    if found != set(asset_ids):
        raise InvalidInput(_("Some of the chosen photos do not exist."))
    if not 1 <= validity_months <= 120:
        raise InvalidInput(_("The validity must be between 1 month and 10 years."))
    if language not in rules.LANGUAGES:
        raise InvalidInput(_("Unknown language."))
    if rules.needs_guardian(person) and person.date_of_birth is None:
        raise InvalidInput(_("This person is marked as under 16 but has no date of birth "
                             "on file: fill it in, so that the guardian's rights end on "
                             "time."), field="date_of_birth")
    if rules.needs_guardian(person) and not person.guardian_email:
        raise InvalidInput(_("This person is under 16: fill in the email address of a parent "
                             "or guardian, who signs for them."), field="guardian_email")
    recipient = rules.contact_address(person)
    if recipient is None:
        raise InvalidInput(_("This person has no email address yet: fill it in to send "
                             "the invitation."), field="email")
    invitation = QuitclaimInvitation(
        person_id=person.id,
        channels=channels,
        asset_ids=sorted(asset_ids),
        validity_months=validity_months,
        language=language,
        third_parties=(third_parties[:2000]
                       if Channel.THIRD_PARTIES in channels else None),
        created_by_id=actor.staff_id,
        expires_at=link_expiry(),
        for_guardian=guardians.consents(person),
    )
    db.session.add(invitation)
    db.session.flush()
    send(invitation, person, recipient)
    audit.record("quitclaim.invited", actor=actor, subject=person.audit_ref,
                 details={"invitation": invitation.id, "assets": len(asset_ids),
                          "channels": channels})
    return invitation


@dataclass(frozen=True)
class NewPerson:
    name: str
    email: str | None = None
    date_of_birth: date | None = None


@dataclass(frozen=True)
class PhotoChoice:
    """Which photos an invitation covers: `tagged` (all where the person is tagged),
    `collection` (all of a named collection) or `selected` (these asset ids)."""

    mode: str
    collection: str = ""
    asset_ids: tuple[int, ...] = ()


@use_case
def invite_person(
    person_id: int | None,
    photos: PhotoChoice,
    channels: list[str],
    *,
    new_person: NewPerson | None = None,
    guardian_email: str | None = None,
    validity_months: int = 60,
    language: str = "nl",
    third_parties: str = "",
    actor: Actor,
) -> QuitclaimInvitation:
    """Invite a known person (`person_id`) or a new one, in one transaction: an invitation
    refused for its photos or channels leaves no new person behind."""
    if person_id is None:
        if new_person is None or not new_person.name.strip():
            raise InvalidInput(_("Pick a person, or fill in the new person's name."),
                               field="person")
        person = people.create(new_person.name, actor=actor, email=new_person.email,
                               date_of_birth=new_person.date_of_birth,
                               guardian_email=guardian_email)
        person_id = person.id
    else:
        # What staff filled in completes the person picked (e.g. one created by tagging,
        # who has no email yet); what they left empty stays as it is.
        people.update_details(person_id, people.Details(
            email=new_person.email if new_person else None,
            date_of_birth=new_person.date_of_birth if new_person else None,
            guardian_email=guardian_email), actor=actor, only_add=True)
    return invite(person_id, _asset_ids(person_id, photos), channels,
                  validity_months=validity_months, language=language,
                  third_parties=third_parties, actor=actor)


def _asset_ids(person_id: int, photos: PhotoChoice) -> list[int]:
    if photos.mode == "tagged":
        return sorted({asset.id for _face, asset in people.faces_of(person_id)})
    if photos.mode == "collection":
        collection = photos.collection.strip()
        if not collection:
            raise InvalidInput(_("Name the collection."), field="collection")
        return catalogue.asset_ids(catalogue.LibraryFilter(collection=collection))
    return list(photos.asset_ids)


def invite_renewal(quitclaim: Quitclaim) -> QuitclaimInvitation | None:
    """A new invitation for the same photos and channels, emailed to the person, in the
    current unit of work (the daily run). None if no one can be emailed."""
    person = rules.person(quitclaim.person_id)
    recipient = rules.contact_address(person)
    if recipient is None or (rules.needs_guardian(person) and not person.guardian_email):
        return None
    channels = [c.channel for c in quitclaim.channels if c.withdrawn_at is None]
    months = max(1, (quitclaim.valid_until.year - quitclaim.valid_from.year) * 12
                 + quitclaim.valid_until.month - quitclaim.valid_from.month)
    invitation = QuitclaimInvitation(
        person_id=person.id,
        channels=channels,
        asset_ids=sorted(a.asset_id for a in quitclaim.assets),
        validity_months=months,
        language=quitclaim.language,
        third_parties=quitclaim.third_parties,
        expires_at=link_expiry(),
        for_guardian=guardians.consents(person),
    )
    db.session.add(invitation)
    db.session.flush()
    send(invitation, person, recipient, renewal=quitclaim)
    history.record(quitclaim, "renewal_invited", actor=SYSTEM,
                   detail=f"invitation {invitation.id}")
    return invitation


@use_case
def resend(invitation_id: int, *, actor: Actor) -> QuitclaimInvitation:
    """A fresh link (older ones stop working), valid for another full period."""
    invitation = _invitation(invitation_id)
    if invitation.status != InvitationStatus.OPEN:
        raise Gone(_("This invitation was already used or cancelled."))
    person = rules.person(invitation.person_id)
    recipient = rules.contact_address(person)
    if recipient is None:
        raise InvalidInput(_("This person has no email address (or guardian's address)."))
    # The guardian's rights may have ended since (a birthday): the new link follows.
    invitation.for_guardian = guardians.consents(person)
    invitation.token_generation += 1
    invitation.expires_at = link_expiry()
    send(invitation, person, recipient)
    audit.record("quitclaim.invitation_resent", actor=actor, subject=person.audit_ref,
                 details={"invitation": invitation.id})
    return invitation


@use_case
def cancel(invitation_id: int, *, actor: Actor) -> QuitclaimInvitation:
    invitation = _invitation(invitation_id)
    if invitation.status == InvitationStatus.OPEN:
        invitation.status = InvitationStatus.CANCELLED
        audit.record("quitclaim.invitation_cancelled", actor=actor,
                     subject=f"person:{invitation.person_id}",
                     details={"invitation": invitation.id})
    return invitation


def invitation_token(invitation: QuitclaimInvitation) -> str:
    return tokens.make(tokens.Purpose.QUITCLAIM_INVITATION,
                       {"i": invitation.id, "g": invitation.token_generation})


@dataclass(frozen=True)
class OpenInvitation:
    invitation: QuitclaimInvitation
    person: Person
    assets: list[Asset]
    # The guardian signs on this link: it went to their address, the child is under 16.
    needs_guardian: bool
    needs_birth_date: bool
    # A child under 16 holds their own link: it never completes a signature, it can only
    # be passed on to the parent or guardian.
    child_on_own_link: bool = False


def open_invitation(token: str) -> OpenInvitation:
    """The invitation behind a signing link, or a clear 400/410 (opening consumes nothing)."""
    max_age = current_app.config["QUITCLAIM_LINK_DAYS"] * 24 * 3600
    payload = tokens.read(tokens.Purpose.QUITCLAIM_INVITATION, token, max_age_seconds=max_age)
    invitation = db.session.get(QuitclaimInvitation, payload.get("i"))
    if invitation is None:
        raise tokens.InvalidLink()
    if invitation.status == InvitationStatus.USED:
        raise Gone(_("This quitclaim has already been signed. Use 'Manage my consent' "
                     "to see or change it."),
                   next_step=("portal.manage_consent", _("Manage my consent")))
    if invitation.status == InvitationStatus.CANCELLED:
        raise Gone(_("This invitation was withdrawn by the organisation."))
    if invitation.status == InvitationStatus.FORWARDED:
        raise Gone(_("We sent this invitation to your parent or guardian, who signs for "
                     "you through their own link."))
    if payload.get("g") != invitation.token_generation:
        raise Gone(_("A newer link was sent to you. Please use the most recent email."))
    if invitation.expires_at < utcnow():
        raise Gone(_("This link has expired. Ask the organisation for a new one."))
    person = rules.person(invitation.person_id)
    assets = list(db.session.scalars(
        select(Asset).where(Asset.id.in_(invitation.asset_ids)).order_by(Asset.id)
    ))
    unknown_age = person.date_of_birth is None and not person.is_minor
    return OpenInvitation(
        invitation=invitation,
        person=person,
        assets=assets,
        needs_guardian=invitation.for_guardian and guardians.consents(person),
        needs_birth_date=unknown_age,
        child_on_own_link=rules.needs_guardian(person) and not invitation.for_guardian,
    )


def link_expiry() -> datetime:
    return utcnow() + timedelta(days=current_app.config["QUITCLAIM_LINK_DAYS"])


def send(
    invitation: QuitclaimInvitation, person: Person, recipient: str,
    renewal: Quitclaim | None = None,
) -> None:
    mail.queue_email(
        recipient, "quitclaim_invitation", language=invitation.language, person=person,
        renewal=renewal, for_guardian=invitation.for_guardian,
        invitation=invitation, photo_count=len(invitation.asset_ids),
        url=external_url("portal.sign_quitclaim", token=invitation_token(invitation)),
        days=current_app.config["QUITCLAIM_LINK_DAYS"],
    )


def _invitation(invitation_id: int) -> QuitclaimInvitation:
    invitation = db.session.get(QuitclaimInvitation, invitation_id)
    if invitation is None:
        raise NotFound(_("No such invitation."))
    return invitation
