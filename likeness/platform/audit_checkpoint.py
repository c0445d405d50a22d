"""Retention of the audit log: delete from the start of the chain, leave a checkpoint.

Events are only ever deleted from the start, so what is left is still one unbroken
chain. The checkpoint says where it now starts (the first kept event's sequence number
and hash) under a MAC with the audit key, which the database does not hold:
`audit.verify` starts there. Deleting more events from the start, editing the
checkpoint, or putting an older one back no longer matches the chain, and the
verification fails.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import delete, select

from likeness.extensions import db
from likeness.models import AuditCheckpoint, AuditEvent
from likeness.platform.audit_key import audit_key


@dataclass(frozen=True)
class Start:
    """Where verification starts: at the checkpoint's event, or at the genesis."""

    checkpoint: AuditCheckpoint | None
    problem: str | None = None


def mac(first_seq: int, first_hash: str) -> str:
    message = f"likeness-audit-checkpoint|{first_seq}|{first_hash}".encode()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def start() -> Start:
    """The newest checkpoint, checked against its MAC."""
    checkpoint = db.session.scalars(select(AuditCheckpoint)
                                    .order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    if checkpoint is None:
        return Start(None)
    if not hmac.compare_digest(mac(checkpoint.first_seq, checkpoint.first_hash),
                               checkpoint.mac):
        return Start(checkpoint, "the audit checkpoint does not match its MAC: it was "
                                 "changed outside Likeness")
    return Start(checkpoint)


def prune_before(first_kept: AuditEvent) -> int:
    """Delete every event before `first_kept` (in the caller's unit of work) and record
    the new start. Returns how many events were deleted."""
    if first_kept.seq is None:
        raise ValueError("the audit chain can only start at a numbered event")
    deleted = db.session.execute(delete(AuditEvent).where(AuditEvent.id < first_kept.id))
    count = int(getattr(deleted, "rowcount", 0) or 0)
    db.session.add(AuditCheckpoint(first_seq=first_kept.seq, first_hash=first_kept.hash,
                                   pruned=count,
                                   mac=mac(first_kept.seq, first_kept.hash)))
    db.session.flush()
    return count
