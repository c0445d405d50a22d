"""The audit chain: every event hashed onto the previous; any edit is found."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from likeness.models import AuditEvent
from likeness.platform import audit
from likeness.platform.actor import NamedActor
from likeness.platform.uow import use_case

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


@use_case
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
    assert columns == {"id", "seq", "created_at", "actor", "action", "subject", "details",
                       "prev_hash", "hash"}
    assert db.session.scalars(select(AuditEvent)).all() == []


# --- tampering by someone who controls the database (but not the key or the head) ---

def _sha256_rechain(db: Any, start_prev: str, events: list[AuditEvent]) -> None:
    """What an attacker with database access does: recompute every hash after an edit."""
    import hashlib

    prev = start_prev
    for event in events:
        db.session.refresh(event)
        digest = hashlib.sha256(prev.encode() + audit.canonical(event)).hexdigest()
        db.session.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h "
                                "WHERE id = :id"), {"p": prev, "h": digest, "id": event.id})
        prev = digest
    db.session.commit()
    db.session.expire_all()


def _verify_cli(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["verify-audit"])


def test_deleting_the_newest_events_is_found(app: Flask, db: Any):
    events = _record_some(5)
    db.session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": events[3].id})
    db.session.commit()
    db.session.expire_all()
    result = _verify_cli(app)
    assert result.exit_code == 1
    assert "events were deleted" in result.output


def test_deleting_every_event_is_found(app: Flask, db: Any):
    _record_some(3)
    db.session.execute(text("DELETE FROM audit_event"))
    db.session.commit()
    result = _verify_cli(app)
    assert result.exit_code == 1
    assert "BROKEN" in result.output


def test_editing_one_event_and_recomputing_every_hash_is_found(app: Flask, db: Any):
    events = _record_some(5)
    db.session.execute(text("UPDATE audit_event SET action = 'innocent.action' WHERE id = :id"),
                       {"id": events[2].id})
    _sha256_rechain(db, events[1].hash, events[2:])
    result = _verify_cli(app)
    assert result.exit_code == 1
    assert f"BROKEN at audit event {events[2].id}" in result.output


def test_the_mac_key_lives_outside_the_database_owner_only(app: Flask, db: Any):
    import os
    from pathlib import Path

    _record_some(1)
    key_file = Path(app.config["INSTANCE_PATH"]) / "audit-key"
    assert key_file.exists()
    assert os.stat(key_file).st_mode & 0o777 == 0o600


def test_a_recorded_reanchor_moves_the_head_back_without_an_alarm(app: Flask, db: Any):
    from likeness.platform.actor import CLI

    events = _record_some(5)
    newest = events[4].id
    # A restore brings back an older database: its chain ends before the head.
    db.session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": events[3].id})
    db.session.commit()
    db.session.expire_all()
    assert not audit.verify().ok
    anchor = audit.reanchor("restore of a backup", actor=CLI)
    result = audit.verify()
    assert result.ok, result.problem
    assert result.head is not None and result.head.id == anchor.id
    assert anchor.details["previous_head"]["id"] == newest


def test_the_head_can_live_in_redis_for_every_machine(app: Flask, db: Any):
    from likeness.platform import audit_head
    from likeness.platform.queue import get_redis

    app.config["AUDIT_HEAD"] = "redis"
    get_redis().delete(audit_head.REDIS_KEY)
    try:
        events = _record_some(3)
        assert audit_head.read() == audit_head.Head(events[-1].id, events[-1].hash,
                                                    events[-1].seq)
        assert audit.verify().ok
    finally:
        get_redis().delete(audit_head.REDIS_KEY)


# --- a gap cannot heal: the head is checked before every write -------------------------

def _failed_login(client: Any) -> Any:
    from tests.support.helpers import csrf_token_from

    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    return client.post("/admin/login", data={"email": "nobody@example.org",
                                             "password": "wrong password 1",
                                             "csrf_token": token})


def test_events_are_numbered_without_gaps_inside_their_mac(app: Flask, db: Any):
    events = _record_some(4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    from likeness.platform import audit_head

    assert audit_head.read() == audit_head.Head(events[-1].id, events[-1].hash, 4)
    # The number is part of what the MAC covers: renumbering is found.
    db.session.execute(text("UPDATE audit_event SET seq = seq + 10 WHERE id = :id"),
                       {"id": events[3].id})
    db.session.commit()
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok and result.broken_event_id == events[3].id


@pytest.mark.parametrize("how", ["newest", "all"])
def test_after_deleting_events_new_writes_are_refused_staff_alerted_and_verify_fails(
    app: Flask, db: Any, make_staff: Any, mailbox: Any, how: str
):
    from likeness.platform.queue import get_redis

    get_redis().delete("likeness:alerted:audit-chain")  # alerts go out once per 6 hours
    admin = make_staff("admin")
    events = _record_some(5)
    db.session.commit()
    cut = events[2].id
    before = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
    if how == "newest":
        db.session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": cut})
    else:  # TRUNCATE on PostgreSQL; DELETE does the same on SQLite
        postgres = db.session.get_bind().dialect.name == "postgresql"
        db.session.execute(text("TRUNCATE audit_event" if postgres else "DELETE FROM audit_event"))
    db.session.commit()
    db.session.expire_all()

    # Six more events, as the attack did: every write is refused, none is stored.
    client = app.test_client()
    for _ in range(6):
        response = _failed_login(client)
        assert response.status_code == 503
        assert "audit log" in response.get_data(as_text=True)
    with pytest.raises(audit.AuditChainBroken):
        _record_some(1)
    db.session.rollback()
    remaining = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.id for e in remaining] == [i for i in before if how == "newest" and i < cut]

    alerts = mailbox.to(admin.email)
    assert len(alerts) == 1  # once, not once per refused write
    assert "audit" in alerts[0]["Subject"].lower()

    result = _verify_cli(app)
    assert result.exit_code == 1
    assert "BROKEN" in result.output

    # An operator who looked into it accepts the chain as it is, on the record.
    reanchored = app.test_cli_runner().invoke(args=[
        "reanchor-audit", "--reason", "events deleted by a test; investigated", "--yes"])
    assert reanchored.exit_code == 0, reanchored.output
    assert _failed_login(app.test_client()).status_code == 200
    assert _verify_cli(app).exit_code == 0
    db.session.expire_all()
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.reanchored")).all()
    assert event.details["previous_head"]["id"] == max(before)


def test_a_gap_in_the_numbers_is_found_by_verify_audit(app: Flask, db: Any):
    events = _record_some(5)
    db.session.commit()
    # Even with every MAC recomputed with the real key, a missing event shows as a jump
    # in the numbers.
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2].id})
    prev = events[1].hash
    for event in events[3:]:
        db.session.refresh(event)
        event.prev_hash = prev
        event.hash = audit.chain_hash(prev, event)
        prev = event.hash
    db.session.commit()
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok
    assert result.broken_event_id == events[3].id
    assert "sequence number 4 where 3 was expected" in (result.problem or "")
