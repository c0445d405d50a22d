"""Dates of birth typed on a signing link, and the conflict staff must look at.

When staff did not know a person's age, the signing page asks for the date of birth.
A child told "a parent must sign too" could simply type an adult date on the same
link. Every answer is therefore kept in its own transaction (even when the signing
then fails), and a quitclaim signed as an adult after an under-16 answer on the same
link is flagged: recorded in its history and the audit log, and staff are emailed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from likeness.consent import history, rules
from likeness.consent.invitations import open_invitation
from likeness.extensions import db
from likeness.models import AgeAnswer, Person, Quitclaim
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM, person_actor
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.links import external_url
from likeness.platform.uow import use_case
from likeness.staff import accounts


@use_case
def record(token: str, date_of_birth: date | None) -> None:
    """Keep a date of birth typed on the signing page, whatever happens next."""
    if date_of_birth is None:
        return
    opened = open_invitation(token)
    if not opened.needs_birth_date:
        return
    minor = Person(name="", date_of_birth=date_of_birth).is_under(rules.GUARDIAN_AGE,
                                                                   amsterdam_today())
    db.session.add(AgeAnswer(invitation_id=opened.invitation.id, date_of_birth=date_of_birth,
                             is_minor=minor))
    audit.record("quitclaim.age_answered", actor=person_actor(opened.person.id),
                 subject=f"invitation:{opened.invitation.id}", details={"under_16": minor})


def flag_if_conflicting(quitclaim: Quitclaim, *, signed_as_minor: bool) -> bool:
    """In the signing transaction: flag an adult signature after an under-16 answer."""
    if signed_as_minor or quitclaim.invitation_id is None:
        return False
    answered_minor = db.session.scalar(select(AgeAnswer.id).where(
        AgeAnswer.invitation_id == quitclaim.invitation_id,
        AgeAnswer.is_minor.is_(True)).limit(1))
    if answered_minor is None:
        return False
    history.record(quitclaim, "age_conflict", actor=SYSTEM,
                   detail="under 16 first, then an adult date of birth on the same link")
    audit.record("quitclaim.age_conflict", actor=SYSTEM, subject=f"quitclaim:{quitclaim.id}")
    for recipient in accounts.alert_recipients():
        mail.queue_email(recipient, "staff_age_conflict", language="en", quitclaim=quitclaim,
                         url=external_url("admin.quitclaim_page", quitclaim_id=quitclaim.id))
    return True
