"""The audit log: append hash-chained events, and verify the chain.

Each event's hash is sha256(prev_hash || canonical JSON of the event), so editing,
deleting or reordering any row breaks every hash after it. Only pseudonymous
references ("staff:3", "person:12") go in; never names, emails or templates.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from likeness.extensions import db
from likeness.models import AuditEvent, utcnow
from likeness.platform.actor import Actor

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer of the chain.
_PG_AUDIT_LOCK_KEY = 0x4C494B45


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field but the hashes themselves."""
    payload = {
        "id": event.id,
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "details": event.details or {},
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


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
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never both extend the same tail.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK_KEY})
    tail = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev_hash = tail.hash if tail else GENESIS_HASH
    event = AuditEvent(
        created_at=utcnow(),
        actor=actor.audit_ref,
        action=action,
        subject=subject,
        details=details or {},
        prev_hash=prev_hash,
        # Placeholder until the id is known; random so the unique index never trips.
        hash=secrets.token_hex(32),
    )
    session.add(event)
    session.flush()  # assigns the id, which is part of the hashed content
    event.hash = chain_hash(prev_hash, event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_event_id: int | None = None
    problem: str | None = None


def verify() -> VerifyResult:
    """Walk the chain in id order; report the first event whose hash does not hold."""
    prev_hash = GENESIS_HASH
    checked = 0
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    for event in rows:
        if event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.id, "previous hash does not match")
        if chain_hash(prev_hash, event) != event.hash:
            return VerifyResult(False, checked, event.id, "content does not match its hash")
        prev_hash = event.hash
        checked += 1
    return VerifyResult(True, checked)
