"""Reading the audit log: filters, a CSV export, and the chain's verification state.

Reading the log is itself an audit event (what was filtered, never a name). The export
neutralises spreadsheet formulas: a cell that starts with = + - @ (or a tab or carriage
return) gets a leading apostrophe, so opening the file never runs anything.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, Text, cast, func, or_, select

from likeness.extensions import db
from likeness.models import AuditEvent, Face, Setting, utcnow
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.clock import AMSTERDAM
from likeness.platform.daily import daily_task
from likeness.platform.uow import use_case

LAST_VERIFICATION = "audit_last_verification"
PAGE_SIZE = 100
EXPORT_LIMIT = 100_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # an audit reference: "staff:3", "system", "person:12"
    action: str = ""  # an action or its prefix: "retention." or "face.tagged"
    person_id: int | None = None
    asset_id: int | None = None
    date_from: date | None = None  # Amsterdam calendar days, inclusive
    date_to: date | None = None

    def as_details(self) -> dict[str, Any]:
        """For the audit event of the read: only what was set, all pseudonymous."""
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in asdict(self).items() if v not in (None, "")}


@dataclass(frozen=True)
class Verification:
    at: datetime
    ok: bool
    checked: int
    broken_event_id: int | None
    problem: str | None


def statement(filters: Filters) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
    if filters.actor:
        query = query.where(AuditEvent.actor == filters.actor.strip())
    if filters.action:
        action = filters.action.strip()
        query = query.where(AuditEvent.action.startswith(action, autoescape=True)
                            if action.endswith(".") else AuditEvent.action == action)
    if filters.person_id is not None:
        ref = f"person:{filters.person_id}"
        query = query.where(or_(AuditEvent.subject == ref,
                                cast(AuditEvent.details, Text).contains(f'"{ref}"',
                                                                        autoescape=True)))
    if filters.asset_id is not None:
        faces = [f"face:{face_id}" for face_id in db.session.scalars(
            select(Face.id).where(Face.asset_id == filters.asset_id))]
        query = query.where(AuditEvent.subject.in_([f"asset:{filters.asset_id}", *faces]))
    if filters.date_from is not None:
        query = query.where(AuditEvent.created_at >= _start_of(filters.date_from))
    if filters.date_to is not None:
        query = query.where(AuditEvent.created_at < _start_of(filters.date_to + timedelta(1)))
    return query


@use_case
def read(filters: Filters, *, page: int = 1, actor: Actor) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first, and the number matching. Audited."""
    base = statement(filters)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = max(1, page)
    events = list(db.session.scalars(base.order_by(AuditEvent.id.desc())
                                      .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    audit.record("audit.viewed", actor=actor,
                 details={"filters": filters.as_details(), "page": page, "shown": len(events)})
    return events, total


@use_case
def export_csv(filters: Filters, *, actor: Actor) -> str:
    """The matching events as CSV, oldest first, formulas neutralised. Audited."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "created_at", "actor", "action", "subject", "details", "hash"])
    rows = 0
    for event in db.session.scalars(statement(filters).order_by(AuditEvent.id)
                                    .limit(EXPORT_LIMIT)):
        writer.writerow([neutralise(str(v)) for v in (
            event.id, event.created_at.isoformat(), event.actor, event.action,
            event.subject or "", json.dumps(event.details or {}, sort_keys=True), event.hash)])
        rows += 1
    audit.record("audit.exported", actor=actor,
                 details={"filters": filters.as_details(), "rows": rows})
    return buffer.getvalue()


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will not evaluate (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


@use_case
def verify_and_record(*, actor: Actor) -> Verification:
    """Verify the whole chain now; keep the result for the pages. Audited."""
    result = audit.verify()
    verification = Verification(utcnow(), result.ok, result.checked, result.broken_event_id,
                                result.problem)
    payload = json.dumps({"at": verification.at.isoformat(), "ok": result.ok,
                          "checked": result.checked, "broken": result.broken_event_id,
                          "problem": result.problem})
    row = db.session.get(Setting, LAST_VERIFICATION)
    if row is None:
        row = Setting(key=LAST_VERIFICATION, value=payload)
        db.session.add(row)
    row.value = payload
    row.updated_at = verification.at
    row.updated_by_id = actor.staff_id
    audit.record("audit.verified", actor=actor,
                 details={"ok": result.ok, "checked": result.checked})
    return verification


def last_verification() -> Verification | None:
    row = db.session.get(Setting, LAST_VERIFICATION)
    if row is None:
        return None
    data = json.loads(row.value)
    return Verification(datetime.fromisoformat(data["at"]), bool(data["ok"]),
                        int(data["checked"]), data.get("broken"), data.get("problem"))


@daily_task("audit_verification")
def verify_daily(today: date) -> dict[str, int]:
    """Verify the chain once a day, so the dashboard's state is never old."""
    verification = verify_and_record(actor=SYSTEM)
    return {"audit_chain_broken": 0 if verification.ok else 1}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)
