"""The suppression list: an erased person reduced to what keeps the erasure in force.

After an erasure the person row keeps its id, its creation and erasure instants, and
nothing else that identifies anyone: name, addresses, date of birth and guardian are
cleared. What suppression still needs is kept as keyed hashes (HMAC-SHA256 under a key
derived from the audit key, which lives outside the database) in the erasure ledger:
enough to recognise the person's address or name when it comes back (an invitation,
a mail, a new person record), not enough to read it back, nor to test guesses without
the key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import ErasureKind, ErasureLedgerEntry, Person
from likeness.platform import mail
from likeness.platform.audit_key import audit_key

ERASED_NAME = "—"  # the row stays (ids link the ledger); the name does not
# Mail an erased person still gets: answers about their own requests (their rights are
# answered at the address they give), and mail to staff or to a photo's recipients.
ALWAYS_SENT = ("request_", "staff_", "recipient_notice", "breach_notice", "password_")


def keyed_hash(value: str) -> str:
    """The keyed hash of an address or a name (case and spacing do not matter)."""
    key = hmac.new(audit_key(), b"likeness/suppression/v1", hashlib.sha256).digest()
    normal = " ".join(value.split()).casefold()
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()


def facts_of(person: Person) -> dict[str, Any]:
    """The suppression facts of a person about to be erased (no personal data)."""
    addresses = sorted({keyed_hash(a) for a in (person.email, person.guardian_email) if a})
    return {"person_created_at": person.created_at.isoformat(),
            "address_hashes": addresses,
            "name_hash": keyed_hash(person.name) if person.name != ERASED_NAME else None}


def reduce(person: Person) -> bool:
    """Clear everything but id and dates; True when something was cleared."""
    before = (person.name, person.email, person.date_of_birth, person.guardian_name,
              person.guardian_email, person.no_biometrics_reason)
    person.name = ERASED_NAME
    person.email = None
    person.date_of_birth = None
    person.guardian_name = None
    person.guardian_email = None
    person.no_biometrics_reason = None
    return before != (ERASED_NAME, None, None, None, None, None)


def suppressed_hashes() -> tuple[set[str], set[str]]:
    """The keyed hashes of every suppressed address and name."""
    addresses: set[str] = set()
    names: set[str] = set()
    for facts in db.session.scalars(select(ErasureLedgerEntry.facts).where(
            ErasureLedgerEntry.kind == ErasureKind.PERSON_SUPPRESSED)):
        addresses.update((facts or {}).get("address_hashes") or [])
        if (facts or {}).get("name_hash"):
            names.add(facts["name_hash"])
    return addresses, names


def is_suppressed_address(address: str | None) -> bool:
    """This address belongs to an erased person: nothing is sent to it, no one invited."""
    return bool(address) and keyed_hash(str(address)) in suppressed_hashes()[0]


def is_suppressed_person(person: Person | None) -> bool:
    """Fail closed: a person row that is suppressed, or whose address is an erased
    person's, is never invited, mailed or tagged."""
    if person is None:
        return False
    return person.is_suppressed or any(
        is_suppressed_address(a) for a in (person.email, person.guardian_email))


@mail.recipient_guard
def refuse_mail_to_erased(recipient: str, template: str) -> str | None:
    if template.startswith(ALWAYS_SENT) or not is_suppressed_address(recipient):
        return None
    return _("This address belongs to a person erased at their request: nothing is sent "
             "to it.")

