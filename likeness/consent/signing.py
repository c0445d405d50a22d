"""Signing a quitclaim through its link, and the signed PDF that is the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import update

from likeness.consent import age_answers, guardians, history, pdf, rules, self_marks
from likeness.consent import portal as consent_portal
from likeness.consent.invitations import open_invitation
from likeness.errors import Gone, InvalidInput
from likeness.extensions import db
from likeness.library import face_templates, people, xmp_export
from likeness.models import (
    Channel,
    InvitationStatus,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimInvitation,
    SignatureKind,
    utcnow,
)
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM, person_actor
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.jobs import job
from likeness.platform.storage import storage
from likeness.platform.text import has_control_characters
from likeness.platform.uow import on_rollback, use_case


@dataclass(frozen=True)
class Signature:
    channels: list[str]
    biometric_consent: bool
    signer_name: str
    signature_png: bytes | None
    date_of_birth: date | None = None
    guardian_name: str | None = None
    guardian_signature_png: bytes | None = None
    # "Never use face recognition on photos of me": honoured under every policy.
    no_biometrics: bool = False
    # Drawn (the PNG) or typed (the typed name is the signature, with the same effect).
    signature_kind: str = SignatureKind.DRAWN
    guardian_signature_kind: str = SignatureKind.DRAWN
    # The language of the signing page (the guardian's, when the guardian signs).
    language: str | None = None
    # Faces the signer marked as themselves: proposals for staff (`self_marks`).
    my_faces: tuple[int, ...] = ()

    def signed(self) -> bool:
        """The person's own signature: drawn, or their name typed as the signature."""
        if self.signature_kind == SignatureKind.TYPED:
            return bool(self.signer_name.strip())
        return bool(self.signature_png)

    def guardian_signed(self) -> bool:
        if not (self.guardian_name and self.guardian_name.strip()):
            return False
        return (self.guardian_signature_kind == SignatureKind.TYPED
                or bool(self.guardian_signature_png))


@use_case
def sign(token: str, signature: Signature) -> Quitclaim:
    """Create the signed quitclaim; consumes the link. The PDF is made by a job.

    Under 16 a parent or guardian signs (the child's own signature is optional) and no
    biometric consent can be given."""
    opened = open_invitation(token)
    invitation, person = opened.invitation, opened.person
    signed_on = amsterdam_today()
    channels = _chosen_channels(signature, invitation)
    if opened.needs_birth_date:
        person.date_of_birth = _given_birth_date(signature, signed_on)
    is_minor = person.is_under(rules.GUARDIAN_AGE, signed_on)
    _require_the_right_signer(invitation, person, is_minor=is_minor, on=signed_on)
    _require_signatures(signature, is_minor=is_minor)
    # Consume the link atomically: of two submissions at once, one wins.
    consumed = db.session.execute(
        update(QuitclaimInvitation)
        .where(QuitclaimInvitation.id == invitation.id,
               QuitclaimInvitation.status == InvitationStatus.OPEN)
        .values(status=InvitationStatus.USED)
    )
    if not getattr(consumed, "rowcount", 0):
        raise Gone(_("This quitclaim has already been signed."))
    quitclaim = Quitclaim(
        person_id=person.id,
        invitation_id=invitation.id,
        text_version=rules.CONSENT_TEXT_VERSION,
        # The guardian signs in the language they chose on their own link.
        language=(signature.language if is_minor and signature.language in rules.LANGUAGES
                  else invitation.language),
        valid_from=signed_on,
        valid_until=signed_on + relativedelta(months=invitation.validity_months),
        biometric_consent=signature.biometric_consent,
        third_parties=(invitation.third_parties
                       if Channel.THIRD_PARTIES in channels else None),
        signer_name=(signature.signer_name.strip() or person.name)[:200],
        signature_png=_png_if_drawn(signature.signature_kind, signature.signature_png),
        signature_kind=signature.signature_kind if signature.signed() else None,
        guardian_name=(signature.guardian_name.strip()[:200]
                       if is_minor and signature.guardian_name else None),
        guardian_signature_png=(_png_if_drawn(signature.guardian_signature_kind,
                                              signature.guardian_signature_png)
                                if is_minor else None),
        guardian_signature_kind=signature.guardian_signature_kind if is_minor else None,
        signed_at=utcnow(),
    )
    quitclaim.assets = [QuitclaimAsset(asset_id=a) for a in invitation.asset_ids]
    quitclaim.channels = [QuitclaimChannel(channel=c) for c in channels]
    db.session.add(quitclaim)
    db.session.flush()
    signer = person_actor(person.id)
    history.record(quitclaim, "signed", actor=signer,
                   detail=", ".join(channels) + ("; biometric" if signature.biometric_consent
                                                 else ""))
    audit.record("quitclaim.signed", actor=signer, subject=f"quitclaim:{quitclaim.id}",
                 details={"channels": channels, "biometric": signature.biometric_consent,
                          "guardian": bool(quitclaim.guardian_name),
                          "signature": quitclaim.signature_kind,
                          "guardian_signature": quitclaim.guardian_signature_kind})
    age_answers.flag_if_conflicting(quitclaim, signed_as_minor=is_minor)
    self_marks.propose(quitclaim, person, signature.my_faces, opened.assets)
    render_pdf.later(quitclaim.id)
    xmp_export.refresh_later(list(invitation.asset_ids))  # exported sidecars say so too
    if signature.biometric_consent:
        people.allow_biometrics(person.id, actor=signer)
        face_templates.enforce_template_policy.later()
    elif signature.no_biometrics:
        people.set_no_biometrics(person.id, reason="refused when signing", actor=signer)
    return quitclaim

def _chosen_channels(signature: Signature, invitation: QuitclaimInvitation) -> list[str]:
    """The channels ticked that the invitation asked for, and plain-text names."""
    channels = [c for c in rules.valid_channels(signature.channels, allow_empty=True)
                if c in invitation.channels]
    if not channels:
        raise InvalidInput(_("Tick at least one channel where the photos may be used."),
                           field="channels")
    if has_control_characters(signature.signer_name):
        raise InvalidInput(_("A name must be one line of plain text."), field="signer_name")
    if has_control_characters(signature.guardian_name or ""):
        raise InvalidInput(_("A name must be one line of plain text."), field="guardian_name")
    return channels


def _given_birth_date(signature: Signature, signed_on: date) -> date:
    """The date of birth the signer typed, asked when staff did not know the age."""
    if signature.date_of_birth is None:
        raise InvalidInput(_("Enter your date of birth."), field="date_of_birth")
    if signature.date_of_birth > signed_on:
        raise InvalidInput(_("The date of birth lies in the future."), field="date_of_birth")
    return signature.date_of_birth


def _require_signatures(signature: Signature, *, is_minor: bool) -> None:
    """Under 16 a parent or guardian signs and no biometric consent is possible; otherwise
    the person signs with their name. Allowing and refusing face recognition exclude each
    other."""
    if is_minor:
        if not signature.guardian_signed():
            raise InvalidInput(
                _("Under 16, a parent or guardian must sign too: fill in the name and the "
                  "signature of the parent or guardian."),
                field=("guardian_name" if not (signature.guardian_name or "").strip()
                       else "guardian_signature"))
        if signature.biometric_consent:
            raise InvalidInput(_("Consent to face recognition cannot be given for someone "
                                 "under 16."), field="face_recognition")
    else:
        if not signature.signer_name.strip():
            raise InvalidInput(_("Type your full name."), field="signer_name")
        if not signature.signed():
            raise InvalidInput(_("Please sign: draw your signature, or choose to type your "
                                 "name as your signature."), field="signature")
    if signature.biometric_consent and signature.no_biometrics:
        raise InvalidInput(_("Choose either to allow face recognition or to refuse it, not "
                             "both."), field="face_recognition")



def _require_the_right_signer(invitation: QuitclaimInvitation, person: Person, *,
                              is_minor: bool, on: date) -> None:
    """Under 16 only a link sent to the guardian's address completes a signature (a child
    typing a "guardian" name and signature on their own link does not); from 16 the
    guardian's link no longer does, the person signs for themselves."""
    if is_minor and not (invitation.for_guardian and guardians.consents(person, on)):
        raise InvalidInput(_("Under 16, a parent or guardian signs, through their own link: "
                             "fill in the email address of your parent or guardian and we "
                             "send the invitation to them."), field="guardian_email")
    if not is_minor and invitation.for_guardian:
        raise Gone(_("%(name)s is 16 or older now and decides for themselves. Ask the "
                     "organisation to send %(name)s their own link.", name=person.name))


def _png_if_drawn(kind: str, png: bytes | None) -> bytes | None:
    """A typed signature keeps no drawing (a half-drawn pad left behind is not it)."""
    return None if kind == SignatureKind.TYPED else png


@job
@use_case
def render_pdf(quitclaim_id: int) -> None:
    """Job: render the signed-quitclaim PDF, store its sha256, email it. Idempotent."""
    quitclaim = db.session.get(Quitclaim, quitclaim_id)
    if quitclaim is None or quitclaim.pdf_path:
        return
    relative, digest = pdf.write(quitclaim)
    on_rollback(lambda: storage().delete(relative))  # the retry writes it again
    quitclaim.pdf_path = relative
    quitclaim.pdf_sha256 = digest
    person = rules.person(quitclaim.person_id)
    recipient = rules.contact_address(person)
    if recipient:
        mail.queue_email(
            recipient, "quitclaim_confirmation", language=quitclaim.language,
            attachments=[relative], person=person, quitclaim=quitclaim,
            to_guardian=bool(quitclaim.guardian_name) and guardians.consents(person),
            manage_url=consent_portal.manage_url(recipient),
        )
    history.record(quitclaim, "pdf_rendered", actor=SYSTEM, detail=digest)
