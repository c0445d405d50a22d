"""The rules every quitclaim follows: text version, age of consent, languages, channels,
and who is written to."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from likeness.consent import guardians
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import Channel, Person
from likeness.models.person import age_on
from likeness.platform.clock import today as amsterdam_today

CONSENT_TEXT_VERSION = "2026-12-v3"  # v3: controller, biometric purposes, care settings
GUARDIAN_AGE = guardians.CONSENT_AGE
LANGUAGES = ("nl", "en")


def person(person_id: int) -> Person:
    found = db.session.get(Person, person_id)
    if found is None:
        raise NotFound(_("No such person."))
    return found


def needs_guardian(someone: Person) -> bool:
    """Under 16 today (by date of birth, or known to be a minor): a guardian signs."""
    return someone.is_under(GUARDIAN_AGE, amsterdam_today())


def under_guardian_age(born: date | None) -> bool:
    """A date of birth (e.g. typed on the signing page) that says under 16 today."""
    return born is not None and age_on(born, amsterdam_today()) < GUARDIAN_AGE


def contact_address(someone: Person) -> str | None:
    """Where consent mail goes: the guardian's address while the date of birth on file
    says under 16; otherwise the person's own. Never the guardian's for someone 16 or
    older, or of unknown age; never the child's own while they are under 16."""
    if guardians.consents(someone):
        return someone.guardian_email
    if needs_guardian(someone):
        return None
    return someone.email or None


def valid_channels(channels: list[str], *, allow_empty: bool = False) -> list[str]:
    """The known channels among `channels`, in their canonical order."""
    known = [c.value for c in Channel]
    chosen = [c for c in known if c in set(channels)]
    if not chosen and not allow_empty:
        raise InvalidInput(_("Choose at least one channel."), field="channels")
    return chosen
