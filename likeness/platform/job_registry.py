"""Job names to their handles: read by the outbox (it refuses unknown names) and the
worker, filled by `likeness.platform.jobs.job`. Its own module so that the outbox and
the job handles (which queue through the outbox) do not import each other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_REGISTRY: dict[str, Any] = {}


def add(name: str, handle: Any) -> None:
    existing = _REGISTRY.get(name)
    if existing is not None and getattr(existing, "func", None) is not getattr(handle, "func",
                                                                               None):
        raise ValueError(f"job {name!r} is registered twice")
    _REGISTRY[name] = handle


def get(name: str) -> Any:
    """The job handle registered under `name`, or None."""
    return _REGISTRY.get(name)


def every() -> Iterator[tuple[str, Any]]:
    return iter(list(_REGISTRY.items()))
