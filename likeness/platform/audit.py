"""The audit log: append MAC-chained events, and verify the chain.

Each event's `hash` is HMAC-SHA256(audit key, prev_hash || canonical JSON of the
event), with the key outside the database (`platform.audit_key`): editing, deleting
or reordering any row breaks the chain, and whoever can write the database cannot
recompute it. The newest event's id and MAC are also kept outside the database
(`platform.audit_head`, advanced after each commit), so deleting the newest events,
or all of them, is found too. A restore, which legitimately moves the chain back,
records an audited re-anchor (`reanchor`). Only pseudonymous references
("staff:3", "person:12") go in; never names, emails or templates.

Each event also carries `seq`, its gap-free place in the chain, inside the MAC; the head
holds it too. Before an event is added, the same transaction checks that the event at
the stored head is still there with the stored MAC: if the newest events were deleted
(or all of them), nothing more is written on top of the gap, so the head can never
move past it. The write is refused (`AuditChainBroken`) and staff are alerted
(`on_chain_broken`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import func, select, text

from likeness.errors import Unavailable
from likeness.extensions import db
from likeness.models import AuditEvent, utcnow
from likeness.platform import audit_checkpoint, audit_head, uow
from likeness.platform.actor import Actor
from likeness.platform.audit_key import audit_key
from likeness.translation import lazy_gettext as _l

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_PG_AUDIT_LOCK_KEY = 0x4C494B45

_CHAIN_BROKEN_HOOKS: list[Callable[[str], object]] = []


class AuditChainBroken(Unavailable):
    """The chain no longer reaches its head (events deleted), or the head is unreadable:
    nothing is written until an operator looks (see docs/security.md)."""


def on_chain_broken(hook: Callable[[str], object]) -> Callable[[str], object]:
    """Register `hook(problem)`, called when an audit write is refused (to alert staff)."""
    _CHAIN_BROKEN_HOOKS.append(hook)
    return hook


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field but the hashes themselves."""
    payload = {
        "id": event.id,
        **({"seq": event.seq} if event.seq is not None else {}),
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "details": event.details or {},
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """The event's MAC: only a holder of the audit key can compute it."""
    return hmac.new(audit_key(), prev_hash.encode() + canonical(event),
                    hashlib.sha256).hexdigest()


def record(
    action: str,
    *,
    actor: Actor,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain within the caller's unit of work (flushes only).

    `subject` is a pseudonymous reference too (`person:12`, `asset:3`).
    """
    tail = _tail_for_append()
    prev_hash = tail.hash if tail else GENESIS_HASH
    event = AuditEvent(
        seq=_next_seq(tail),
        created_at=utcnow(),
        actor=actor.audit_ref,
        action=action,
        subject=subject,
        details=details or {},
        prev_hash=prev_hash,
        # Placeholder until the id is known; random so the unique index never trips.
        hash=secrets.token_hex(32),
    )
    db.session.add(event)
    db.session.flush()  # assigns the id, which is part of the hashed content
    event.hash = chain_hash(prev_hash, event)
    db.session.flush()
    _advance_head_after_commit(event)
    return event


@dataclass(frozen=True)
class Entry:
    """An event written first somewhere cheaper, to be chained later (`record_many`)."""

    action: str
    actor_ref: str
    subject: str | None
    details: dict[str, Any]
    created_at: datetime


def record_many(entries: list[Entry]) -> None:
    """Append many events at once within the caller's unit of work: one lock, one tail
    read and two flushes for the whole batch, so sealing thousands costs little."""
    if not entries:
        return
    tail = _tail_for_append()
    events = [AuditEvent(seq=None, created_at=e.created_at, actor=e.actor_ref,
                         action=e.action, subject=e.subject, details=e.details,
                         prev_hash=GENESIS_HASH, hash=secrets.token_hex(32))
              for e in entries]
    db.session.add_all(events)
    db.session.flush()  # ids first: they are hashed, and the chain runs in id order
    events.sort(key=lambda event: event.id)
    seq = _next_seq(tail)
    prev_hash = tail.hash if tail else GENESIS_HASH
    for event in events:
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = chain_hash(prev_hash, event)
        seq += 1
    db.session.flush()
    _advance_head_after_commit(events[-1])


def _tail_for_append() -> AuditEvent | None:
    """The newest event, with the right to append after it (and the head checked)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never both extend the same tail.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK_KEY})
    tail = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    if not (uow.in_unit_of_work() and uow.current().audit_reanchoring):
        _check_head_is_in_the_chain()
    return tail


def _next_seq(tail: AuditEvent | None) -> int:
    if tail is None:
        return 1
    if tail.seq is not None:
        return tail.seq + 1
    # The first numbered event after older, unnumbered ones: its place in the chain.
    return int(db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0) + 1


def _check_head_is_in_the_chain() -> None:
    """Refuse to write when the event at the stored head is gone or differs.

    Read in the caller's transaction (under the append lock on PostgreSQL), so no event
    is ever chained onto a tail that lost the events after it."""
    try:
        head = audit_head.read()
    except Exception as exc:  # the head store is down: the chain cannot be checked
        _refuse(f"the chain head ({audit_head.location()}) cannot be read: "
                f"{type(exc).__name__}")
    if head is None:
        return  # a new chain (or a head never stored): verify-audit reports the latter
    stored = db.session.execute(select(AuditEvent.hash, AuditEvent.seq)
                                .where(AuditEvent.id == head.id)).first()
    if stored is None:
        _refuse(f"event {head.id}, the chain head kept outside the database, is missing: "
                "events were deleted")
    if stored.hash != head.hash or (head.seq is not None and stored.seq != head.seq):
        _refuse(f"event {head.id} differs from the chain head kept outside the database")


def _refuse(problem: str) -> NoReturn:
    log.critical("audit write refused: %s", problem)
    for hook in _CHAIN_BROKEN_HOOKS:
        try:
            hook(problem)
        except Exception as exc:  # an alert that fails must not hide the refusal
            log.error("audit chain alert failed: %s", type(exc).__name__)
    raise AuditChainBroken(str(_l("This cannot be recorded in the audit log right now, so "
                                  "it was not done. Staff have been alerted; please try "
                                  "again later.")))


def _advance_head_after_commit(event: AuditEvent) -> None:
    """Once this unit of work commits, its newest event becomes the head outside the DB."""
    if not uow.in_unit_of_work():
        return  # nothing commits it here; the next audited use case moves the head on
    work = uow.current()
    first = work.audit_tail is None
    work.audit_tail = audit_head.Head(event.id, event.hash, event.seq)
    if first:
        work.after_commit(lambda: audit_head.advance(work.audit_tail))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    problem: str | None = None
    head: audit_head.Head | None = None


def verify() -> VerifyResult:
    """Walk the chain in id order; report the first event whose MAC does not hold, or a
    chain that no longer reaches the head kept outside the database."""
    head = audit_head.read()
    start = audit_checkpoint.start()
    if start.problem:
        return VerifyResult(False, 0, None, start.problem, head)
    prev_hash = GENESIS_HASH
    checked = 0
    # Events retention deleted from the start: numbering continues after them.
    offset = start.checkpoint.first_seq - 1 if start.checkpoint else 0
    head_seen = False
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    numbered = False
    for event in rows:
        if start.checkpoint is not None and checked == 0:
            if (event.seq != start.checkpoint.first_seq
                    or event.hash != start.checkpoint.first_hash):
                return VerifyResult(False, 0, event.id, "the chain does not start at its "
                                    f"checkpoint (event {start.checkpoint.first_seq}): events "
                                    "were deleted or changed", head)
            prev_hash = event.prev_hash  # the checkpoint's MAC vouches for this event
        problem = _continuity(event, offset + checked + 1, numbered)
        if problem:
            return VerifyResult(False, checked, event.id, problem, head)
        numbered = numbered or event.seq is not None
        if event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.id, "previous hash does not match", head)
        if not hmac.compare_digest(chain_hash(prev_hash, event), event.hash):
            return VerifyResult(False, checked, event.id, "content does not match its MAC",
                                head)
        if head is not None and event.id == head.id:
            if event.hash != head.hash or head.seq not in {None, event.seq}:
                return VerifyResult(False, checked, event.id,
                                    "event differs from the chain head kept outside the "
                                    "database", head)
            head_seen = True
        prev_hash = event.hash
        checked += 1
    if start.checkpoint is not None and checked == 0:
        return VerifyResult(False, 0, None, "the chain is empty after its checkpoint "
                            f"(event {start.checkpoint.first_seq}): events were deleted", head)
    if head is None:
        if checked:
            return VerifyResult(False, checked, None, "no chain head outside the database "
                                f"({audit_head.location()}) for a chain of {checked} events")
        return VerifyResult(True, 0)
    if not head_seen:
        return VerifyResult(False, checked, head.id,
                            f"the chain ends before its head (event {head.id}, kept in "
                            f"{audit_head.location()}): events were deleted", head)
    return VerifyResult(True, checked, head=head)


def _continuity(event: AuditEvent, position: int, numbered: bool) -> str | None:
    """Numbered events count 1, 2, 3 ... by their place in the chain, with no gap."""
    if event.seq is None:
        return "an event without a sequence number after numbered ones" if numbered else None
    if event.seq != position:
        return (f"sequence number {event.seq} where {position} was expected: "
                "events are missing or out of order")
    return None


@uow.use_case
def reanchor(reason: str, *, actor: Actor) -> AuditEvent:
    """Record that the chain legitimately moved back (a restore) and make the new tail
    the head. The event names the head it replaces, so the jump stays on record."""
    previous = audit_head.read()
    uow.current().audit_reanchoring = True  # the chain moved back on purpose
    event = record("audit.reanchored", actor=actor, details={
        "reason": reason,
        "previous_head": ({"id": previous.id, "hash": previous.hash, "seq": previous.seq}
                          if previous else None),
    })
    work = uow.current()
    # The newest event of the whole restore (hooks may add some after this one).
    uow.after_commit(lambda: audit_head.replace(work.audit_tail or
                                                audit_head.Head(event.id, event.hash,
                                                                event.seq)))
    return event
