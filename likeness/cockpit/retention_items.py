"""What a retention plan is made of, shared by the modules that hold the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from likeness.models import OPEN_REQUEST_STATES

OPEN_STATES = OPEN_REQUEST_STATES


@dataclass(frozen=True)
class Item:
    """One thing a rule deletes (or flags): a pseudonymous reference and since when."""

    ref: str
    id: int
    due_since: datetime | date
    # For a review flag: the quitclaim that ended.
    quitclaim_id: int | None = None
    # For a file that has no row (a backup): its name.
    name: str | None = None


@dataclass
class RulePlan:
    rule: str
    label: Any
    period: int
    unit: str
    due: list[Item] = field(default_factory=list)
    held: list[Item] = field(default_factory=list)


class HeldLookup(Protocol):
    """The active legal holds, looked up once per plan."""

    def person(self, person_id: int | None) -> bool: ...

    def assets(self) -> set[int]: ...

    def addresses(self) -> set[str]: ...
