"""Art. 14 notices: someone tagged by name in the image bank is told, once (not per tag),
within a month of the first tag, by the daily run.

* An invitation to sign a quitclaim already told them (Art. 14(5)(a)): no notice.
* Under 16 the notice goes to the guardian's address (`rules.contact_address`).
* Without an address the notice cannot go out. Where the privacy officer recorded a
  14(5)(b) assessment for every collection the person is tagged in, that assessment is
  what applies (the register shows it); otherwise the person stays pending, and the
  cockpit names the collections that need an assessment (or the person an address).

The notice waits `GRACE_DAYS` after the first tag, so an invitation staff send in the
days after tagging (the usual course) is the one message the person gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select

from likeness.consent import rules
from likeness.extensions import db
from likeness.library import suppression
from likeness.models import Asset, CollectionSetting, Face, Person, QuitclaimInvitation, utcnow
from likeness.platform import audit, mail
from likeness.platform.actor import SYSTEM
from likeness.platform.daily import daily_task
from likeness.platform.links import external_url

GRACE_DAYS = 7
WITHIN = timedelta(days=30)  # Art. 14(3)(a): at the latest within one month

SENT, INVITED, EXEMPT = "sent", "invited", "exempt"


@dataclass(frozen=True)
class Pending:
    person: Person
    first_tagged_at: datetime
    collections_without_assessment: list[str]

    @property
    def overdue(self) -> bool:
        return utcnow() - self.first_tagged_at > WITHIN


@daily_task("tag_notices")
def send_due(today: date) -> dict[str, int]:
    """Settle every person tagged at least `GRACE_DAYS` ago who was not yet told."""
    counts = {"tag_notices_sent": 0, "tag_notices_invited": 0, "tag_notices_exempt": 0}
    cutoff = utcnow() - timedelta(days=GRACE_DAYS)
    for person, first_tagged in _untold(tagged_before=cutoff):
        outcome = _settle(person, first_tagged)
        if outcome:
            counts[f"tag_notices_{outcome}"] += 1
    return counts


def pending() -> list[Pending]:
    """Tagged people no notice reaches and no 14(5)(b) assessment covers (the cockpit's
    task list): each with the collections that need an assessment."""
    result = []
    for person, first_tagged in _untold(tagged_before=None):
        if _invited(person) or rules.contact_address(person):
            continue
        missing = _collections_without_assessment(person)
        if missing:
            result.append(Pending(person, first_tagged, missing))
    return result


def _untold(tagged_before: datetime | None) -> list[tuple[Person, datetime]]:
    first_tag = func.min(func.coalesce(Face.tagged_at, Face.created_at))
    query = (select(Person, first_tag).join(Face, Face.person_id == Person.id)
             .where(Person.tag_notice_at.is_(None), Person.erased_at.is_(None),
                    Person.is_suppressed.is_(False))
             .group_by(Person.id).order_by(Person.id))
    if tagged_before is not None:
        query = query.having(first_tag <= tagged_before)
    return [(person, first) for person, first in db.session.execute(query)]


def _settle(person: Person, first_tagged: datetime) -> str | None:
    if suppression.is_suppressed_person(person):
        return None  # never mailed; the erasure is what they asked for
    if _invited(person):
        outcome = INVITED
    elif address := rules.contact_address(person):
        for_guardian = address == person.guardian_email and address != person.email
        mail.queue_email(address, "tag_notice", language="nl", person=person,
                         for_guardian=for_guardian, photos=_photo_count(person),
                         request_url=external_url("portal.new_request"))
        outcome = SENT
    elif not _collections_without_assessment(person):
        outcome = EXEMPT
    else:
        return None  # pending: the cockpit asks for an address or an assessment
    person.tag_notice = outcome
    person.tag_notice_at = utcnow()
    audit.record("person.tag_notice", actor=SYSTEM, subject=person.audit_ref,
                 details={"outcome": outcome})
    return outcome


def _invited(person: Person) -> bool:
    """An invitation to sign told them who we are and what we do (Art. 14(5)(a))."""
    return bool(db.session.scalar(select(exists().where(
        QuitclaimInvitation.person_id == person.id))))


def _photo_count(person: Person) -> int:
    return int(db.session.scalar(select(func.count(func.distinct(Face.asset_id))).where(
        Face.person_id == person.id)) or 0)


def _collections_without_assessment(person: Person) -> list[str]:
    """The collections of the person's tagged photos without a 14(5)(b) assessment
    (photos outside any collection count as one unnamed collection: never assessed)."""
    rows = db.session.execute(
        select(Asset.collection, CollectionSetting.notice_exemption)
        .join(Face, Face.asset_id == Asset.id)
        .outerjoin(CollectionSetting, CollectionSetting.name == Asset.collection)
        .where(Face.person_id == person.id).distinct())
    return sorted({collection or "" for collection, exemption in rows if not exemption})
