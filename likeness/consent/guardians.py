"""When a parent or guardian may act for a person (GDPR Art. 8, UAVG art. 5).

* Under 16 the guardian consents for the child: their address receives the consent
  mail, manages the quitclaims and signs.
* Under 18 the guardian may still file a GDPR request for the child, but only on a
  request filed explicitly on behalf of the child, after staff checked the relationship.
* From 18 the guardian's address counts for nothing.

Every rule needs a date of birth on file: without one the guardian's address does not
count (fail closed), so a parent is never treated as the person at an unknown age.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from likeness.models import OnBehalf, Person, SubjectRequest
from likeness.models.person import age_on
from likeness.platform.clock import today as amsterdam_today

CONSENT_AGE = 16  # UAVG art. 5: under 16 a parent or guardian consents
FILING_AGE = 18  # majority (BW 1:233): from 18 a parent no longer represents the child


def _age(person: Person, on: date | None) -> int | None:
    if person.date_of_birth is None:
        return None
    return age_on(person.date_of_birth, on or amsterdam_today())


def _address(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def consents(person: Person, on: date | None = None) -> bool:
    """The guardian's address stands for the person in consent matters: there is one,
    and the date of birth on file says under 16."""
    age = _age(person, on)
    return _address(person.guardian_email) is not None and age is not None \
        and age < CONSENT_AGE


def may_file(person: Person, on: date | None = None) -> bool:
    """The guardian may still file requests for the person: under 18 by the date of
    birth on file."""
    age = _age(person, on)
    return _address(person.guardian_email) is not None and age is not None \
        and age < FILING_AGE


def counts_for_request(person: Person, request: SubjectRequest,
                       on: date | None = None) -> bool:
    """The requester's address counts as this person's because it is their guardian's:
    only on a request filed for a child, once the relationship was checked, while the
    person is under 18."""
    return (request.on_behalf == OnBehalf.CHILD
            and request.relationship_checked_at is not None
            and _address(request.email) is not None
            and _address(request.email) == _address(person.guardian_email)
            and may_file(person, on))


def why_not_for_request(person: Person, request: SubjectRequest,
                        on: date | None = None) -> str | None:
    """Why the guardian's address, which the requester used, does not count on this
    request, in words for the privacy officer (None if it is not the guardian's)."""
    if _address(request.email) is None or _address(request.email) != _address(
            person.guardian_email):
        return None
    age = _age(person, on)
    if request.on_behalf != OnBehalf.CHILD:
        return _("The requester is %(name)s's parent or guardian but filed as themselves: a "
                 "guardian's address counts only on a request filed for the child. Nothing "
                 "about %(name)s goes to them.", name=person.name)
    if age is None:
        return _("No date of birth of %(name)s is on file: the guardian's address does not "
                 "count until it is.", name=person.name)
    if age >= FILING_AGE:
        return _("%(name)s is 18 or older: a parent or guardian no longer acts for them. "
                 "Ask %(name)s to confirm, or record an identity check.", name=person.name)
    return None


def own_address(person: Person) -> str | None:
    return _address(person.email)


def role_label(person: Person) -> str:
    """What the guardian's address counts for today, for staff."""
    if consents(person):
        return _("signs and manages consent (under 16)")
    if may_file(person):
        return _("may file requests for them, when the request says so (under 18)")
    if person.date_of_birth is None:
        return _("counts for nothing: no date of birth on file")
    return _("counts for nothing: 18 or older")
