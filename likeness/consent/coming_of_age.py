"""The daily run tells people when their guardian's rights end (at 16 and at 18).

At 16 the guardian's consent rights end: the person decides about their own photos and
only their own address manages their quitclaims. At 18 the guardian's right to file GDPR
requests for them ends. Each person is told once per age at their own address; without
one, staff are asked to obtain it (the person page and the dashboard list them until
they have one). Open signing links sent to the guardian stop working at 16.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select, update

from likeness.consent import guardians
from likeness.consent import portal as consent_portal
from likeness.extensions import db
from likeness.models import (
    InvitationStatus,
    Person,
    Quitclaim,
    QuitclaimInvitation,
)
from likeness.models.person import age_on
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM
from likeness.platform.daily import daily_task
from likeness.platform.links import external_url
from likeness.staff import accounts


@daily_task("guardian_rights")
def tell_when_rights_end(today: date) -> dict[str, int]:
    """Once per person and age: tell them at their own address, or ask staff for one."""
    told = asked = 0
    due = db.session.scalars(select(Person).where(
        Person.guardian_email.is_not(None), Person.erased_at.is_(None),
        Person.date_of_birth <= today - relativedelta(years=guardians.CONSENT_AGE),
        or_(Person.guardian_rights_notice_age.is_(None),
            Person.guardian_rights_notice_age < guardians.FILING_AGE),
    ).order_by(Person.id)).all()
    for person in due:
        if person.date_of_birth is None:  # the query asked for one
            continue
        age = age_on(person.date_of_birth, today)
        milestone = guardians.FILING_AGE if age >= guardians.FILING_AGE \
            else guardians.CONSENT_AGE
        if (person.guardian_rights_notice_age or 0) >= milestone:
            continue
        person.guardian_rights_notice_age = milestone
        _close_guardian_links(person)
        address = guardians.own_address(person)
        if address:
            mail.queue_email(address, "guardian_rights_ended", language=_language(person),
                             person=person, age=milestone,
                             manage_url=consent_portal.manage_url(address))
            told += 1
        else:
            for recipient in accounts.alert_recipients():
                mail.queue_email(recipient, "staff_guardian_rights_no_address",
                                 language="en", person=person, age=milestone,
                                 url=external_url("admin.person_page",
                                                  person_id=person.id))
            asked += 1
        audit.record("person.guardian_rights_ended", actor=SYSTEM, subject=person.audit_ref,
                     details={"age": milestone, "told": bool(address)})
    return {"guardian_rights_told": told, "guardian_rights_address_asked": asked}


def needing_an_address() -> list[Person]:
    """People whose guardian's rights ended and who have no address of their own: the
    staff task, open until someone fills one in."""
    return [p for p in db.session.scalars(select(Person).where(
        Person.guardian_rights_notice_age.is_not(None), Person.erased_at.is_(None),
        or_(Person.email.is_(None), Person.email == "")).order_by(Person.id))]


def _close_guardian_links(person: Person) -> None:
    db.session.execute(update(QuitclaimInvitation).where(
        QuitclaimInvitation.person_id == person.id,
        QuitclaimInvitation.for_guardian.is_(True),
        QuitclaimInvitation.status == InvitationStatus.OPEN,
    ).values(status=InvitationStatus.CANCELLED))


def _language(person: Person) -> str:
    """The language of the person's latest quitclaim or invitation (Dutch if none)."""
    language = db.session.scalar(select(Quitclaim.language).where(
        Quitclaim.person_id == person.id).order_by(Quitclaim.id.desc()).limit(1))
    language = language or db.session.scalar(select(QuitclaimInvitation.language).where(
        QuitclaimInvitation.person_id == person.id)
        .order_by(QuitclaimInvitation.id.desc()).limit(1))
    return language or "nl"
