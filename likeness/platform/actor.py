"""Who does something: a staff member, a data subject, or the system itself.

Every use case that changes something takes an `actor`. The audit log records only its
pseudonymous reference (`staff:3`, `person:12`, `system`), never a name or an address.
A logged-in `StaffUser` is an actor as it is; everyone else is a `NamedActor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Actor(Protocol):
    @property
    def audit_ref(self) -> str: ...

    @property
    def staff_id(self) -> int | None: ...


@dataclass(frozen=True)
class NamedActor:
    """An actor that is not a staff account."""

    audit_ref: str

    @property
    def staff_id(self) -> int | None:
        return None


SYSTEM = NamedActor("system")  # jobs and the daily run
CLI = NamedActor("cli")  # an operator at the command line
SUBJECT = NamedActor("subject")  # the person who filed a data-subject request
ANONYMOUS = NamedActor("anonymous")  # not logged in (a failed login)


def person_actor(person_id: int) -> NamedActor:
    """A photographed person acting through a signed link (signing, withdrawing)."""
    return NamedActor(f"person:{person_id}")


def share_actor(share_link_id: int) -> NamedActor:
    """The recipient of a share link, viewing it."""
    return NamedActor(f"share:{share_link_id}")
