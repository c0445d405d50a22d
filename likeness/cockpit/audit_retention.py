"""Retention of the audit log: events older than the period go, from the start only.

The chain can only lose its beginning, never its middle, so the run deletes the oldest
events up to the first one it must keep: one within the period, the chain head kept
outside the database (the newest committed event: deleting it would stop every audited
write), or one about a person or photo a legal hold keeps (that event and everything
after it stay). The new start is written as a MAC'd checkpoint
(`likeness.platform.audit_checkpoint`), from which `flask verify-audit` starts.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from likeness.cockpit import schedules
from likeness.cockpit.retention_items import HeldLookup, Item, RulePlan
from likeness.extensions import db
from likeness.models import AuditEvent
from likeness.platform import audit, audit_checkpoint, audit_head
from likeness.platform.actor import Actor
from likeness.translation import lazy_gettext as _l

log = logging.getLogger(__name__)

RULE = "audit_log"
LABEL = _l("Audit log events (from the start of the chain)")


def plan(now: datetime, held: HeldLookup) -> RulePlan:
    """At most one due item, the range of events to delete (`id` is the first event
    kept); a held item names the event where a legal hold stops the deletion."""
    period = schedules.AUDIT_YEARS
    years = schedules.value(period)
    result = RulePlan(RULE, LABEL, years, period.unit)
    cutoff = now - relativedelta(years=years)
    tail_id = db.session.scalar(select(func.max(AuditEvent.id)))
    if tail_id is None:
        return result
    try:
        head = audit_head.read()
    except Exception:  # the head store is down: the chain cannot be checked, keep it all
        log.warning("audit retention skipped: the chain head cannot be read")
        return result
    # The head kept outside the database is the newest *committed* event; events of the
    # transaction in progress come after it. Deleting the head would stop every audited
    # write (the chain would no longer reach it), so the chain keeps it and what follows.
    limit = tail_id if head is None else min(tail_id, head.id)
    first_seq = oldest = None
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.seq, AuditEvent.created_at, AuditEvent.subject)
        .order_by(AuditEvent.id).execution_options(yield_per=1000))
    for event_id, seq, created_at, subject in rows:
        if event_id >= limit or created_at >= cutoff:
            break
        if _is_held(subject, held):
            result.held.append(Item(f"audit_event:{seq or event_id}", event_id, created_at))
            break
        first_seq = first_seq if first_seq is not None else seq
        oldest = oldest or created_at
    else:
        return result
    if oldest is None or seq is None:
        return result  # nothing old enough, or the chain cannot start at an unnumbered event
    result.due.append(Item(f"audit_events:{first_seq or '?'}-{seq - 1}", event_id, oldest))
    return result


def prune(items: list[Item], actor: Actor) -> int:
    """Delete the planned range; returns how many ranges were pruned (0 when the database
    refuses: the app's role may not delete audit events, see docs/security.md)."""
    done = 0
    for item in items:
        first_kept = db.session.get(AuditEvent, item.id)
        if first_kept is None:
            continue
        try:
            # A savepoint: a refusal leaves the rest of the retention run standing.
            with db.session.begin_nested():
                count = audit_checkpoint.prune_before(first_kept)
        except DBAPIError as exc:
            log.warning("audit retention skipped: the database refused to delete audit "
                        "events (%s); run `flask retention` as the schema owner",
                        type(exc.orig).__name__)
            audit.record("audit.prune_refused", actor=actor,
                         details={"error": type(exc.orig).__name__})
            continue
        audit.record("audit.pruned", actor=actor, details={
            "count": count, "first_kept_seq": first_kept.seq})
        done += 1
    return done


def _is_held(subject: str | None, held: HeldLookup) -> bool:
    kind, _sep, number = (subject or "").partition(":")
    if not number.isdigit():
        return False
    if kind == "person":
        return held.person(int(number))
    return kind == "asset" and int(number) in held.assets()
