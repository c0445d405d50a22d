"""What the person is told when they change their consent themselves: a withdrawal made
on the portal is confirmed by email, with the link to see what is left."""

from __future__ import annotations

from likeness.consent import portal, rules, withdrawal
from likeness.models import Quitclaim
from likeness.platform import mail
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@use_case
def withdraw_and_confirm(
    quitclaim_id: int, *, email: str, actor: Actor, channel: str | None = None,
    biometric_only: bool = False,
) -> Quitclaim:
    """Withdraw (see `withdrawal.withdraw`) and email a confirmation to `email`, the
    address that used the manage link, in the same transaction."""
    quitclaim = withdrawal.withdraw(quitclaim_id, actor=actor, channel=channel,
                                    biometric_only=biometric_only)
    person = rules.person(quitclaim.person_id)
    mail.queue_email(
        email, "withdrawal_confirmation", language=quitclaim.language, person=person,
        quitclaim=quitclaim, channel=channel, biometric_only=biometric_only,
        manage_url=portal.manage_url(email),
    )
    return quitclaim
