"""One page of a long list, and where it sits among the others.

Staff lists that grow with the organisation (photos, the request queue) are read a page at
a time in SQL: a page costs the same with ten rows behind it or ten thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    number: int
    size: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", page_count(self.total, self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_count(total: int, size: int) -> int:
    """At least one page, so an empty list shows its (empty) first page."""
    return max(1, ceil(total / size))


def clamp(number: int, total: int, size: int) -> int:
    """The page asked for, within the pages there are (a stale link past the end shows
    the last page rather than nothing)."""
    return min(max(1, number), page_count(total, size))
