"""Consent ends: withdrawn by the person (as easy as giving it, Art. 7(3)) or expired.

Losing consent acts at once, in the same transaction: the faces turn red for the
channels concerned, lost biometric consent deletes the person's templates, share links
for those channels are revoked with an Art. 19 notice to each recipient, and staff
are alerted.
"""

from __future__ import annotations

from flask_babel import gettext as _

from likeness.consent import history, records, withdrawal_log
from likeness.errors import Gone, InvalidInput
from likeness.library import disclosures, face_templates, people, policy_settings, xmp_export
from likeness.models import Quitclaim, QuitclaimStatus, TakedownReason, TemplatePolicy, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.links import external_url
from likeness.platform.uow import use_case
from likeness.staff import accounts


@use_case
def withdraw(
    quitclaim_id: int, *, actor: Actor, channel: str | None = None,
    biometric_only: bool = False,
) -> Quitclaim:
    """Withdraw the whole quitclaim, one channel, or only the biometric consent."""
    quitclaim = records.get(quitclaim_id)
    if quitclaim.status != QuitclaimStatus.SIGNED:
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
            quitclaim.status = QuitclaimStatus.WITHDRAWN
            quitclaim.withdrawn_at = now
            lose_biometric = (quitclaim.biometric_consent
                              and quitclaim.biometric_withdrawn_at is None)
    else:
        lost_channels = [c.channel for c in quitclaim.channels if c.withdrawn_at is None]
        for row in quitclaim.channels:
            row.withdrawn_at = row.withdrawn_at or now
        quitclaim.status = QuitclaimStatus.WITHDRAWN
        quitclaim.withdrawn_at = now
        lose_biometric = quitclaim.biometric_consent and quitclaim.biometric_withdrawn_at is None
    if lose_biometric:
        quitclaim.biometric_withdrawn_at = now
    kind = ("biometric_withdrawn" if biometric_only
            else f"channel_withdrawn:{channel}" if channel else "withdrawn")
    history.record(quitclaim, kind, actor=actor)
    withdrawal_log.remember(quitclaim, channel=channel, biometric_only=biometric_only)
    audit.record("quitclaim.withdrawn", actor=actor, subject=f"quitclaim:{quitclaim.id}",
                 details={"channels": lost_channels, "biometric": lose_biometric})
    _apply_loss(quitclaim, lost_channels, lose_biometric, reason="consent withdrawn",
                actor=actor, refused=True)
    return quitclaim


def expire(quitclaim: Quitclaim, *, actor: Actor = SYSTEM) -> None:
    """Mark one quitclaim expired and apply the effects, in the current unit of work."""
    quitclaim.status = QuitclaimStatus.EXPIRED
    quitclaim.expired_at = utcnow()
    history.record(quitclaim, "expired", actor=actor)
    audit.record("quitclaim.expired", actor=actor, subject=f"quitclaim:{quitclaim.id}")
    lost = [c.channel for c in quitclaim.channels if c.withdrawn_at is None]
    # Under `consented-only` a template exists only by this consent: it ends with it.
    biometric = (policy_settings.template_policy() == TemplatePolicy.CONSENTED_ONLY
                 and quitclaim.biometric_consent and quitclaim.biometric_withdrawn_at is None)
    _apply_loss(quitclaim, lost, biometric, reason="consent expired", actor=actor)


def _apply_loss(
    quitclaim: Quitclaim, channels: list[str], biometric: bool, *, reason: str, actor: Actor,
    refused: bool = False,
) -> None:
    """What losing consent does at once: templates, share links, notices, staff alert.

    `refused`: the person withdrew biometric consent themselves, so from now on no
    template of them is made under any policy, until they consent again."""
    if biometric:
        if refused:
            people.set_no_biometrics(quitclaim.person_id, reason="biometric consent withdrawn",
                                     actor=actor)
        else:
            face_templates.delete_templates_of(quitclaim.person_id, actor=actor,
                                               reason="biometric consent ended")
    asset_ids = [a.asset_id for a in quitclaim.assets]
    xmp_export.refresh_later(asset_ids)  # sidecars already with the image bank say so too
    tasks = disclosures.take_down(
        asset_ids, channels, actor=actor, quitclaim_id=quitclaim.id,
        reason=TakedownReason.EXPIRY if reason == "consent expired"
        else TakedownReason.WITHDRAWAL)
    for recipient in accounts.alert_recipients():
        mail.queue_email(recipient, "staff_consent_lost", language="en", quitclaim=quitclaim,
                         channels=channels, biometric=biometric, reason=reason,
                         takedowns=len(tasks),
                         url=external_url("admin.quitclaim_page", quitclaim_id=quitclaim.id))
