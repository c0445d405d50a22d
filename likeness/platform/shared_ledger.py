"""The shared ledger: facts a restore must never undo, where every machine sees them.

Erasures and withdrawals of consent are kept in the database and, once their unit of
work commits, copied by an outbox job (retried until done) to the object store under
`ledger/<book>/` (or to the folder `LEDGER_DIR` names, for a shared mount when
`STORAGE=local` on several machines). A backup never contains the ledger and a restore
never touches it, so a restore run from any machine, with any instance folder, reads
the same entries.

Each entry is one object named by the hash of its content: writing it again is a
no-op (the job is idempotent), two machines never overwrite each other, and nothing
is appended to a shared file. Entries hold pseudonymous facts only (ids, content
hashes, boxes, keyed hashes, instants).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus
from likeness.platform.app_state import per_app
from likeness.platform.jobs import job
from likeness.platform.storage import LocalStorage, Storage, storage

PREFIX = "ledger/"
BOOKS = ("erasures", "withdrawals")


class LedgerUnreadable(RuntimeError):
    """The shared ledger cannot be read or written: a restore must not run."""


def ledger_store() -> Storage:
    folder = current_app.config.get("LEDGER_DIR") or ""
    if folder:
        return per_app("likeness.ledger_store", lambda: LocalStorage(Path(folder)))
    return storage()


def key_for(book: str, record: dict[str, Any]) -> str:
    if book not in BOOKS:
        raise ValueError(f"unknown ledger book {book!r}")
    digest = hashlib.sha256(_canonical(record)).hexdigest()
    return f"{PREFIX}{book}/{digest}.json"


def publish_later(book: str, record: dict[str, Any]) -> None:
    """Copy the entry to the shared ledger once the current unit of work commits."""
    key_for(book, record)  # an unknown book fails here, inside the use case
    # The record itself is the argument (not a row id): a restore may replace the row,
    # and the entry is a handful of pseudonymous JSON facts.
    publish.later(book, record)


@job
def publish(book: str, record: dict[str, Any]) -> None:
    """Write the entry (a no-op when it is there already)."""
    store = ledger_store()
    key = key_for(book, record)
    if not store.exists(key):
        store.write(key, _canonical(record))


def publish_now(book: str, records: list[dict[str, Any]]) -> int:
    """Write these entries at once (before a restore); returns how many were new.
    Raises LedgerUnreadable when the ledger cannot be written."""
    try:
        existing = set(ledger_store().keys(f"{PREFIX}{book}/"))
        new = 0
        for record in records:
            key = key_for(book, record)
            if key not in existing:
                ledger_store().write(key, _canonical(record))
                existing.add(key)
                new += 1
        return new
    except OSError as exc:
        raise LedgerUnreadable(_message(exc)) from exc


def flush_pending() -> int:
    """Write every entry whose copy is still waiting in the outbox (before a restore
    replaces the outbox with the archive's); returns how many were new."""
    waiting = db.session.scalars(select(OutboxJob).where(
        OutboxJob.job_name == publish.name, OutboxJob.status != OutboxStatus.DONE))
    by_book: dict[str, list[dict[str, Any]]] = {}
    for row in waiting:
        book, record = row.args
        by_book.setdefault(book, []).append(record)
    return sum(publish_now(book, records) for book, records in by_book.items())


def read(book: str) -> list[dict[str, Any]]:
    """Every entry of the book, oldest first. Raises LedgerUnreadable when the ledger
    (or any entry of it) cannot be read: a partial ledger would let a restore undo an
    erasure."""
    store = ledger_store()
    records = []
    try:
        for key in sorted(store.keys(f"{PREFIX}{book}/")):
            raw = store.read(key)
            if hashlib.sha256(raw).hexdigest() != key.rsplit("/", 1)[1].removesuffix(".json"):
                raise ValueError(f"ledger entry {key} does not match its name")
            records.append(json.loads(raw))
    except (OSError, ValueError) as exc:
        raise LedgerUnreadable(_message(exc)) from exc
    return sorted(records, key=lambda r: str(r.get("erased_at") or r.get("withdrawn_at")))


def _message(exc: Exception) -> str:
    where = current_app.config.get("LEDGER_DIR") or f"the object store ({storage().name})"
    return (f"The shared erasure and withdrawal ledger in {where} under {PREFIX} cannot be "
            f"read or written ({type(exc).__name__}: {exc}). Nothing was restored: make "
            "the store reachable (or LEDGER_DIR readable), then run the restore again.")


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
