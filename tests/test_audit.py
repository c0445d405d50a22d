"""The audit chain: every event hashed onto the previous; any edit is found."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select, text

from likeness.models import AuditEvent
from likeness.platform import audit
from likeness.platform.actor import NamedActor


def _record_some(n: int = 4) -> list[AuditEvent]:
    events = [
        audit.record("test.event", actor=NamedActor("staff:1"), subject=f"person:{i}",
                     details={"n": i})
        for i in range(n)
    ]
    return events


def test_events_chain_onto_each_other(app: Flask, db: Any):
    events = _record_some()
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.prev_hash == earlier.hash
    assert audit.verify().ok


def test_verify_audit_command_says_ok_on_an_intact_chain(app: Flask, db: Any):
    _record_some()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0
    assert "OK" in result.output


def test_editing_a_row_makes_verify_audit_fail_at_that_row(app: Flask, db: Any):
    events = _record_some(5)
    db.session.commit()
    tampered = events[2]
    db.session.execute(
        text("UPDATE audit_event SET action = 'innocent.action' WHERE id = :id"),
        {"id": tampered.id},
    )
    db.session.commit()
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"BROKEN at audit event {tampered.id}" in result.output


def test_deleting_a_row_breaks_the_chain_at_the_next_one(app: Flask, db: Any):
    events = _record_some(4)
    db.session.commit()
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    db.session.commit()
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok
    assert result.broken_event_id == events[2].id


def test_rewriting_a_row_and_its_hash_is_still_caught_by_the_next_row(app: Flask, db: Any):
    events = _record_some(3)
    victim = events[1]
    victim.details = {"n": 99}
    victim.hash = audit.chain_hash(victim.prev_hash, victim)
    db.session.commit()
    result = audit.verify()
    assert result.broken_event_id == events[2].id


def test_events_hold_no_personal_data_fields(app: Flask, db: Any):
    columns = {c.name for c in AuditEvent.__table__.columns}
    assert columns == {"id", "created_at", "actor", "action", "subject", "details",
                       "prev_hash", "hash"}
    assert db.session.scalars(select(AuditEvent)).all() == []
