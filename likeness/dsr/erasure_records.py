"""An erasure request outlives a restore of an older backup: its record, status history,
actions, messages, take-down tasks (with the disclosures they are about) and its
answer PDF are carried from the live database across the restore.

The archive does not know a request filed after it was made, and without its record
staff could not show what was erased, when and on whose request, nor finish the
take-downs. Before the rows are replaced, the requests the erasure ledger names are
read from the live database; after the archive's rows are in, each one the restored
database does not hold (by its public reference) is written back with new ids, its
links to rows the archive does not have cleared (or the row left out when the link
is required).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Table, select, update

from likeness.extensions import db
from likeness.models import Base, Disclosure, ErasureLedgerEntry, SubjectRequest
from likeness.platform.backup import after_restore, before_restore
from likeness.platform.storage import storage

CHILD_TABLES = ("request_status_change", "request_action", "request_message",
                "takedown_task")

Saved = dict[str, Any]
_saved: ContextVar[list[Saved] | None] = ContextVar("likeness_erasure_records", default=None)


@before_restore("erasure_requests")
def save_erasure_requests() -> None:
    ids = {i for i in db.session.scalars(select(ErasureLedgerEntry.request_id)) if i}
    saved = []
    for request_id in sorted(ids):
        row = _rows(_table("subject_request"), "id", request_id)
        if not row:
            continue
        children = {name: _rows(_table(name), "request_id", request_id)
                    for name in CHILD_TABLES}
        # An image bank's take-down (integration_id) names no disclosure.
        disclosure_ids = {r["disclosure_id"] for r in children["takedown_task"]
                          if r["disclosure_id"] is not None}
        disclosures = {d["id"]: d for i in disclosure_ids
                       for d in _rows(_table("disclosure"), "id", i)}
        answer = row[0].get("response_pdf_path")
        saved.append({"request": row[0], "children": children, "disclosures": disclosures,
                      "answer": _read(answer)})
    _saved.set(saved)


@after_restore("erasure_requests")
def put_back_erasure_requests() -> dict[str, int]:
    saved, carried = _saved.get() or [], 0
    _saved.set(None)
    for item in saved:
        request = item["request"]
        if db.session.scalar(select(SubjectRequest.id).where(
                SubjectRequest.reference == request["reference"])) is not None:
            continue  # the archive has it
        new_id = _insert(_table("subject_request"), request)
        if new_id is None:
            continue
        carried += 1
        db.session.execute(update(ErasureLedgerEntry).where(
            ErasureLedgerEntry.request_id == request["id"]).values(request_id=new_id))
        disclosure_ids: dict[int, int | None] = {}
        for name in CHILD_TABLES:
            for row in item["children"][name]:
                row = {**row, "request_id": new_id}
                if name == "takedown_task" and row["disclosure_id"] is not None:
                    row["disclosure_id"] = _disclosure(row["disclosure_id"], item,
                                                       disclosure_ids)
                _insert(_table(name), row)
        if item["answer"] is not None:
            storage().write(request["response_pdf_path"], item["answer"])
    db.session.flush()
    db.session.expire_all()
    return {"erasure_requests_carried": carried}


def _disclosure(old_id: int, item: Saved, mapped: dict[int, int | None]) -> int | None:
    """The disclosure a task is about: the restored one, or the live one carried."""
    if old_id not in mapped:
        if db.session.get(Disclosure, old_id) is not None:
            mapped[old_id] = old_id
        elif old_id in item["disclosures"]:
            mapped[old_id] = _insert(_table("disclosure"), item["disclosures"][old_id])
        else:
            mapped[old_id] = None
    return mapped[old_id]


def _insert(table: Table, row: dict[str, Any]) -> int | None:
    """Insert with a new id; a link to a missing row is cleared, or, when required,
    the row is left out (returns None)."""
    values = {k: v for k, v in row.items() if k != "id"}
    for fk in table.foreign_keys:
        value = values.get(fk.parent.name)
        if value is None or _exists(fk.column.table, fk.column.name, value):
            continue
        if not fk.parent.nullable:
            return None
        values[fk.parent.name] = None
    result = db.session.execute(table.insert().values(**values).returning(table.c.id))
    return int(result.scalar_one())


def _exists(table: Table, column: str, value: Any) -> bool:
    return db.session.execute(
        select(table.c[column]).where(table.c[column] == value).limit(1)).first() is not None


def _rows(table: Table, column: str, value: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in db.session.execute(
        table.select().where(table.c[column] == value).order_by(table.c.id))]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _read(key: str | None) -> bytes | None:
    if not key:
        return None
    try:
        return storage().read(key)
    except FileNotFoundError:
        return None
