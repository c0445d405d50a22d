"""Once per form: a double click or a replayed post creates nothing twice.

A public form carries a one-time key (made when the form is shown). The use case that
handles it goes through `once(key, kind, create)`: the first submission creates the
record and stores the key's hash with the record's id, in the same transaction; any
later submission with the same key gets that id back. Two submissions at the same
moment cannot both create: SQLite serialises writers (BEGIN IMMEDIATE), and on
PostgreSQL the unique key makes the second transaction fail, after which it finds the
first one's record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from likeness.extensions import db
from likeness.models import FormSubmission
from likeness.platform.uow import in_unit_of_work, use_case


def once(key: str | None, kind: str, create: Callable[[], int]) -> tuple[int, bool]:
    """The id `create()` made for this key, creating it only the first time; returns
    (id, created now). Without a key, simply creates."""
    if not key:
        return create(), True
    if in_unit_of_work():
        raise RuntimeError("once() is its own unit of work: call it outside a use case")
    digest = _digest(kind, key)
    try:
        return _create_once(digest, kind, create)
    except IntegrityError:
        existing = _find(digest)
        if existing is None:
            raise
        return existing, False


@use_case
def _create_once(digest: str, kind: str, create: Callable[[], int]) -> tuple[int, bool]:
    existing = _find(digest)
    if existing is not None:
        return existing, False
    target_id = create()  # joins this unit of work
    db.session.add(FormSubmission(key_sha256=digest, kind=kind, target_id=target_id))
    db.session.flush()
    return target_id, True


def _find(digest: str) -> int | None:
    return db.session.scalar(select(FormSubmission.target_id).where(
        FormSubmission.key_sha256 == digest))


def _digest(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()
