"""Digital quitclaims: invite, sign, withdraw. Consent is as easy to withdraw as to give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from likeness import tokens
from likeness.clock import today as amsterdam_today
from likeness.errors import Gone, InvalidInput, NotFound
from likeness.extensions import db
from likeness.faces import index
from likeness.links import external_url
from likeness.models import (
    Asset,
    Channel,
    Face,
    InvitationStatus,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimEvent,
    QuitclaimInvitation,
    QuitclaimStatus,
    Role,
    StaffUser,
    utcnow,
)
from likeness.services import audit, mail, outbox, sharing
from likeness.storage import instance_dir

CONSENT_TEXT_VERSION = "2026-11-v1"
GUARDIAN_AGE = 16  # UAVG art. 5: under 16 a parent or guardian consents
LANGUAGES = ("nl", "en")


# --- invitations ----------------------------------------------------------------------


def invite(
    person_id: int,
    asset_ids: list[int],
    channels: list[str],
    *,
    validity_months: int = 60,
    language: str = "nl",
    actor: StaffUser | str,
) -> QuitclaimInvitation:
    """Create an invitation and email the person (or their guardian) a signed link."""
    person = _person(person_id)
    channels = _valid_channels(channels)
    if not asset_ids:
        raise InvalidInput(_("Choose at least one photo."))
    found = set(db.session.scalars(select(Asset.id).where(Asset.id.in_(asset_ids))))
    if found != set(asset_ids):
        raise InvalidInput(_("Some of the chosen photos do not exist."))
    if not 1 <= validity_months <= 120:
        raise InvalidInput(_("The validity must be between 1 month and 10 years."))
    if language not in LANGUAGES:
        raise InvalidInput(_("Unknown language."))
    recipient = _recipient(person)
    if recipient is None:
        raise InvalidInput(_("This person has no email address (or guardian's address)."))
    invitation = QuitclaimInvitation(
        person_id=person.id,
        channels=channels,
        asset_ids=sorted(asset_ids),
        validity_months=validity_months,
        language=language,
        created_by_id=None if isinstance(actor, str) else actor.id,
        expires_at=utcnow() + timedelta(days=current_app.config["QUITCLAIM_LINK_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    _send_invitation(invitation, person, recipient)
    audit.record("quitclaim.invited", actor=_ref(actor), subject=person.audit_ref,
                 details={"invitation": invitation.id, "assets": len(asset_ids),
                          "channels": channels})
    outbox.commit()
    return invitation


def invite_renewal(quitclaim: Quitclaim) -> QuitclaimInvitation | None:
    """A new invitation for the same photos and channels, emailed to the person.

    Flushes only (part of the daily run). None if no one can be emailed.
    """
    person = _person(quitclaim.person_id)
    recipient = _recipient(person)
    if recipient is None:
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
        expires_at=utcnow() + timedelta(days=current_app.config["QUITCLAIM_LINK_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    _send_invitation(invitation, person, recipient, renewal=quitclaim)
    _event(quitclaim, "renewal_invited", actor="system", detail=f"invitation {invitation.id}")
    return invitation


def resend(invitation_id: int, *, actor: StaffUser) -> QuitclaimInvitation:
    """A fresh link (older ones stop working), valid for another full period."""
    invitation = _invitation(invitation_id)
    if invitation.status != InvitationStatus.OPEN.value:
        raise Gone(_("This invitation was already used or cancelled."))
    person = _person(invitation.person_id)
    recipient = _recipient(person)
    if recipient is None:
        raise InvalidInput(_("This person has no email address (or guardian's address)."))
    invitation.token_generation += 1
    invitation.expires_at = utcnow() + timedelta(days=current_app.config["QUITCLAIM_LINK_DAYS"])
    _send_invitation(invitation, person, recipient)
    audit.record("quitclaim.invitation_resent", actor=actor.audit_ref,
                 subject=person.audit_ref, details={"invitation": invitation.id})
    outbox.commit()
    return invitation


def cancel(invitation_id: int, *, actor: StaffUser) -> QuitclaimInvitation:
    invitation = _invitation(invitation_id)
    if invitation.status == InvitationStatus.OPEN.value:
        invitation.status = InvitationStatus.CANCELLED.value
        audit.record("quitclaim.invitation_cancelled", actor=actor.audit_ref,
                     subject=f"person:{invitation.person_id}",
                     details={"invitation": invitation.id})
        outbox.commit()
    return invitation


def invitation_token(invitation: QuitclaimInvitation) -> str:
    return tokens.make(tokens.Purpose.QUITCLAIM_INVITATION,
                       {"i": invitation.id, "g": invitation.token_generation})


@dataclass(frozen=True)
class OpenInvitation:
    invitation: QuitclaimInvitation
    person: Person
    assets: list[Asset]
    needs_guardian: bool
    needs_birth_date: bool


def open_invitation(token: str) -> OpenInvitation:
    """The invitation behind a signing link, or a clear 400/410 (opening consumes nothing)."""
    max_age = current_app.config["QUITCLAIM_LINK_DAYS"] * 24 * 3600
    payload = tokens.read(tokens.Purpose.QUITCLAIM_INVITATION, token, max_age_seconds=max_age)
    invitation = db.session.get(QuitclaimInvitation, payload.get("i"))
    if invitation is None:
        raise tokens.InvalidLink()
    if invitation.status == InvitationStatus.USED.value:
        raise Gone(_("This quitclaim has already been signed. Use 'Manage my consent' "
                     "to see or change it."))
    if invitation.status == InvitationStatus.CANCELLED.value:
        raise Gone(_("This invitation was withdrawn by the organisation."))
    if payload.get("g") != invitation.token_generation:
        raise Gone(_("A newer link was sent to you. Please use the most recent email."))
    if invitation.expires_at < utcnow():
        raise Gone(_("This link has expired. Ask the organisation for a new one."))
    person = _person(invitation.person_id)
    assets = list(db.session.scalars(
        select(Asset).where(Asset.id.in_(invitation.asset_ids)).order_by(Asset.id)
    ))
    unknown_age = person.date_of_birth is None and not person.is_minor
    return OpenInvitation(
        invitation=invitation,
        person=person,
        assets=assets,
        needs_guardian=person.is_under(GUARDIAN_AGE, amsterdam_today()),
        needs_birth_date=unknown_age,
    )


# --- signing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    channels: list[str]
    biometric_consent: bool
    signer_name: str
    signature_png: bytes
    date_of_birth: date | None = None
    guardian_name: str | None = None
    guardian_signature_png: bytes | None = None


def sign(token: str, signature: Signature) -> Quitclaim:
    """Create the signed quitclaim; consumes the link. The PDF is made by a job."""
    opened = open_invitation(token)
    invitation, person = opened.invitation, opened.person
    channels = [c for c in _valid_channels(signature.channels, allow_empty=True)
                if c in invitation.channels]
    if not channels:
        raise InvalidInput(_("Tick at least one channel where the photos may be used."))
    if not signature.signer_name.strip():
        raise InvalidInput(_("Type your full name."))
    signed_on = amsterdam_today()
    if opened.needs_birth_date:
        if signature.date_of_birth is None:
            raise InvalidInput(_("Enter your date of birth."))
        if signature.date_of_birth > signed_on:
            raise InvalidInput(_("The date of birth lies in the future."))
        person.date_of_birth = signature.date_of_birth
    if person.is_under(GUARDIAN_AGE, signed_on) and not (
        signature.guardian_name and signature.guardian_name.strip()
        and signature.guardian_signature_png
    ):
        raise InvalidInput(_("You are under 16: a parent or guardian must sign too. "
                             "Fill in the guardian's name and signature."))
    # Consume the link atomically: of two submissions at once, one wins.
    consumed = db.session.execute(
        update(QuitclaimInvitation)
        .where(QuitclaimInvitation.id == invitation.id,
               QuitclaimInvitation.status == InvitationStatus.OPEN.value)
        .values(status=InvitationStatus.USED.value)
    )
    if not getattr(consumed, "rowcount", 0):
        raise Gone(_("This quitclaim has already been signed."))
    is_minor = person.is_under(GUARDIAN_AGE, signed_on)
    quitclaim = Quitclaim(
        person_id=person.id,
        invitation_id=invitation.id,
        text_version=CONSENT_TEXT_VERSION,
        language=invitation.language,
        valid_from=signed_on,
        valid_until=signed_on + relativedelta(months=invitation.validity_months),
        biometric_consent=signature.biometric_consent,
        signer_name=signature.signer_name.strip()[:200],
        signature_png=signature.signature_png,
        guardian_name=(signature.guardian_name.strip()[:200]
                       if is_minor and signature.guardian_name else None),
        guardian_signature_png=signature.guardian_signature_png if is_minor else None,
        signed_at=utcnow(),
    )
    quitclaim.assets = [QuitclaimAsset(asset_id=a) for a in invitation.asset_ids]
    quitclaim.channels = [QuitclaimChannel(channel=c) for c in channels]
    db.session.add(quitclaim)
    db.session.flush()
    _event(quitclaim, "signed", actor=person.audit_ref,
           detail=", ".join(channels) + ("; biometric" if signature.biometric_consent else ""))
    audit.record("quitclaim.signed", actor=person.audit_ref, subject=f"quitclaim:{quitclaim.id}",
                 details={"channels": channels, "biometric": signature.biometric_consent,
                          "guardian": bool(quitclaim.guardian_name)})
    outbox.add("render_quitclaim_pdf", quitclaim.id)
    if signature.biometric_consent:
        outbox.add("enforce_template_policy")
    outbox.commit()
    return quitclaim


def render_pdf(quitclaim_id: int) -> None:
    """Job: render the signed-quitclaim PDF, store its sha256, email it. Idempotent."""
    from likeness.services import quitclaim_pdf

    quitclaim = db.session.get(Quitclaim, quitclaim_id)
    if quitclaim is None or quitclaim.pdf_path:
        return
    relative, digest = quitclaim_pdf.write(quitclaim)
    try:
        quitclaim.pdf_path = relative
        quitclaim.pdf_sha256 = digest
        person = _person(quitclaim.person_id)
        recipient = _recipient(person)
        if recipient:
            mail.queue_email(
                recipient, "quitclaim_confirmation", language=quitclaim.language,
                attachments=[relative], person=person, quitclaim=quitclaim,
                manage_url=external_url("portal.manage_consent"),
            )
        _event(quitclaim, "pdf_rendered", actor="system", detail=digest)
        outbox.commit()
    except BaseException:
        outbox.rollback()
        (instance_dir() / relative).unlink(missing_ok=True)  # the retry writes it again
        raise


# --- withdrawal -----------------------------------------------------------------------


def withdraw(
    quitclaim_id: int, *, actor: str, channel: str | None = None, biometric_only: bool = False
) -> Quitclaim:
    """Withdraw the whole quitclaim, one channel, or only the biometric consent (Art. 7(3))."""
    quitclaim = get(quitclaim_id)
    removed = withdraw_in_transaction(quitclaim, actor=actor, channel=channel,
                                      biometric_only=biometric_only)
    outbox.commit()
    after_template_removal(removed)
    return quitclaim


def withdraw_in_transaction(
    quitclaim: Quitclaim, *, actor: str, channel: str | None = None,
    biometric_only: bool = False,
) -> list[int]:
    """As `withdraw`, inside the caller's transaction; returns removed template face ids."""
    if quitclaim.status != QuitclaimStatus.SIGNED.value:
        raise Gone(_("This consent is no longer active."))
    now = utcnow()
    lost_channels: list[str] = []
    lose_biometric = False
    if biometric_only:
        if not quitclaim.biometric_consent or quitclaim.biometric_withdrawn_at:
            raise InvalidInput(_("There is no biometric consent to withdraw."))
        lose_biometric = True
    elif channel is not None:
        row = next((c for c in quitclaim.channels if c.channel == channel), None)
        if row is None or row.withdrawn_at is not None:
            raise InvalidInput(_("This channel is not part of the active consent."))
        row.withdrawn_at = now
        lost_channels = [channel]
        if all(c.withdrawn_at is not None for c in quitclaim.channels):
            # Nothing left: the whole consent is withdrawn, biometric consent included.
            quitclaim.status = QuitclaimStatus.WITHDRAWN.value
            quitclaim.withdrawn_at = now
            lose_biometric = (quitclaim.biometric_consent
                              and quitclaim.biometric_withdrawn_at is None)
    else:
        lost_channels = [c.channel for c in quitclaim.channels if c.withdrawn_at is None]
        for row in quitclaim.channels:
            row.withdrawn_at = row.withdrawn_at or now
        quitclaim.status = QuitclaimStatus.WITHDRAWN.value
        quitclaim.withdrawn_at = now
        lose_biometric = quitclaim.biometric_consent and quitclaim.biometric_withdrawn_at is None
    if lose_biometric:
        quitclaim.biometric_withdrawn_at = now
    kind = ("biometric_withdrawn" if biometric_only
            else f"channel_withdrawn:{channel}" if channel else "withdrawn")
    _event(quitclaim, kind, actor=actor)
    audit.record("quitclaim.withdrawn", actor=actor, subject=f"quitclaim:{quitclaim.id}",
                 details={"channels": lost_channels, "biometric": lose_biometric})
    return _apply_loss(quitclaim, lost_channels, lose_biometric, reason="consent withdrawn",
                       actor=actor)


def expire(quitclaim: Quitclaim, *, actor: str = "system") -> list[int]:
    """Mark one quitclaim expired and apply the effects (flushes; the caller commits).

    Returns the removed template face ids, for `_after_template_removal` after commit.
    """
    quitclaim.status = QuitclaimStatus.EXPIRED.value
    quitclaim.expired_at = utcnow()
    _event(quitclaim, "expired", actor=actor)
    audit.record("quitclaim.expired", actor=actor, subject=f"quitclaim:{quitclaim.id}")
    lost = [c.channel for c in quitclaim.channels if c.withdrawn_at is None]
    # Under `consented-only` a template exists only by this consent: it ends with it.
    from likeness.services import settings

    biometric = (settings.template_policy() == "consented-only"
                 and quitclaim.biometric_consent and quitclaim.biometric_withdrawn_at is None)
    return _apply_loss(quitclaim, lost, biometric, reason="consent expired", actor=actor)


def _apply_loss(
    quitclaim: Quitclaim, channels: list[str], biometric: bool, *, reason: str, actor: str
) -> list[int]:
    """What losing consent does at once: templates, share links, notices, staff alert."""
    removed: list[int] = []
    if biometric:
        removed = _delete_templates_of(quitclaim.person_id, actor=actor)
    asset_ids = [a.asset_id for a in quitclaim.assets]
    revoked = sharing.revoke_for_assets(asset_ids, channels, reason=reason, actor=actor)
    for recipient in staff_alert_recipients():
        mail.queue_email(recipient, "staff_consent_lost", language="en", quitclaim=quitclaim,
                         channels=channels, biometric=biometric, reason=reason,
                         revoked=len(revoked),
                         url=external_url("admin.quitclaim_page", quitclaim_id=quitclaim.id))
    return removed


def _delete_templates_of(person_id: int, *, actor: str) -> list[int]:
    faces = db.session.scalars(
        select(Face).where(Face.person_id == person_id, Face.template_ciphertext.is_not(None))
    ).all()
    for face in faces:
        face.template_ciphertext = None
        face.template_key_version = None
    if faces:
        db.session.info["likeness.index_version"] = index.bump_version()
    audit.record("face.templates_deleted", actor=actor, subject=f"person:{person_id}",
                 details={"count": len(faces), "reason": "biometric consent withdrawn"})
    return [f.id for f in faces]


def after_template_removal(face_ids: list[int]) -> None:
    version = db.session.info.pop("likeness.index_version", None)
    if face_ids and version is not None:
        index.apply_changes(version, removed=face_ids)


# --- reading --------------------------------------------------------------------------


def get(quitclaim_id: int) -> Quitclaim:
    quitclaim = db.session.get(Quitclaim, quitclaim_id)
    if quitclaim is None:
        raise NotFound(_("No such quitclaim."))
    return quitclaim


def history(quitclaim_id: int) -> list[QuitclaimEvent]:
    return list(db.session.scalars(
        select(QuitclaimEvent).where(QuitclaimEvent.quitclaim_id == quitclaim_id)
        .order_by(QuitclaimEvent.id)
    ))


def for_email(email: str) -> list[tuple[Quitclaim, Person]]:
    """Quitclaims of the people this address belongs to, or is the guardian of."""
    email = email.strip().lower()
    return [
        (q, p) for q, p in db.session.execute(
            select(Quitclaim, Person).join(Person, Person.id == Quitclaim.person_id)
            .where((func.lower(Person.email) == email)
                   | (func.lower(Person.guardian_email) == email))
            .order_by(Quitclaim.signed_at.desc())
        ).all()
    ]


def invitations_of(person_id: int) -> list[QuitclaimInvitation]:
    return list(db.session.scalars(
        select(QuitclaimInvitation).where(QuitclaimInvitation.person_id == person_id)
        .order_by(QuitclaimInvitation.id.desc())
    ))


def list_quitclaims(
    *, state: str | None = None, person_id: int | None = None, asset_id: int | None = None,
) -> list[tuple[Quitclaim, Person]]:
    """For the admin list: state is active, expiring, expired or withdrawn."""
    today = amsterdam_today()
    query = select(Quitclaim, Person).join(Person, Person.id == Quitclaim.person_id)
    signed = Quitclaim.status == QuitclaimStatus.SIGNED.value
    if state == "active":
        query = query.where(signed, Quitclaim.valid_until >= today)
    elif state == "expiring":
        query = query.where(signed, Quitclaim.valid_until >= today,
                            Quitclaim.valid_until < today + timedelta(days=30))
    elif state == "expired":
        query = query.where(Quitclaim.status == QuitclaimStatus.EXPIRED.value)
    elif state == "withdrawn":
        query = query.where(Quitclaim.status == QuitclaimStatus.WITHDRAWN.value)
    if person_id:
        query = query.where(Quitclaim.person_id == person_id)
    if asset_id:
        query = query.join(QuitclaimAsset).where(QuitclaimAsset.asset_id == asset_id)
    return [(q, p) for q, p in db.session.execute(query.order_by(Quitclaim.id.desc())).all()]


# --- helpers --------------------------------------------------------------------------


def _send_invitation(
    invitation: QuitclaimInvitation, person: Person, recipient: str,
    renewal: Quitclaim | None = None,
) -> None:
    mail.queue_email(
        recipient, "quitclaim_invitation", language=invitation.language, person=person,
        renewal=renewal,
        invitation=invitation, photo_count=len(invitation.asset_ids),
        url=external_url("portal.sign_quitclaim", token=invitation_token(invitation)),
        days=current_app.config["QUITCLAIM_LINK_DAYS"],
    )


def _event(quitclaim: Quitclaim, kind: str, *, actor: str, detail: str | None = None) -> None:
    db.session.add(QuitclaimEvent(quitclaim_id=quitclaim.id, kind=kind, actor=actor,
                                  detail=detail))


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    return person


def _invitation(invitation_id: int) -> QuitclaimInvitation:
    invitation = db.session.get(QuitclaimInvitation, invitation_id)
    if invitation is None:
        raise NotFound(_("No such invitation."))
    return invitation


def _recipient(person: Person) -> str | None:
    if person.is_under(GUARDIAN_AGE, amsterdam_today()) and person.guardian_email:
        return person.guardian_email
    return person.email or person.guardian_email


def _valid_channels(channels: list[str], *, allow_empty: bool = False) -> list[str]:
    known = [c.value for c in Channel]
    chosen = [c for c in known if c in set(channels)]
    if not chosen and not allow_empty:
        raise InvalidInput(_("Choose at least one channel."))
    return chosen


def staff_alert_recipients() -> list[str]:
    configured = current_app.config.get("STAFF_ALERT_EMAIL")
    if configured:
        return [configured]
    return list(db.session.scalars(
        select(StaffUser.email).where(
            StaffUser.is_active.is_(True),
            StaffUser.role.in_([Role.ADMIN.value, Role.PRIVACY_OFFICER.value]),
        )
    ))


def _ref(actor: StaffUser | str) -> str:
    return actor if isinstance(actor, str) else actor.audit_ref
