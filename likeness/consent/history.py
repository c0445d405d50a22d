"""The history of each quitclaim (signed, channel withdrawn, expired, ...): evidence."""

from __future__ import annotations

from sqlalchemy import select

from likeness.extensions import db
from likeness.integrations import events
from likeness.models import Quitclaim, QuitclaimEvent
from likeness.platform.actor import Actor


def record(quitclaim: Quitclaim, kind: str, *, actor: Actor, detail: str | None = None) -> None:
    """Add an event to the quitclaim's history in the current unit of work."""
    db.session.add(QuitclaimEvent(quitclaim_id=quitclaim.id, kind=kind, actor=actor.audit_ref,
                                  detail=detail))
    # The image banks that registered these photos hear of it (same transaction).
    events.consent_changed(quitclaim, kind)


def of(quitclaim_id: int) -> list[QuitclaimEvent]:
    return list(db.session.scalars(
        select(QuitclaimEvent).where(QuitclaimEvent.quitclaim_id == quitclaim_id)
        .order_by(QuitclaimEvent.id)
    ))
