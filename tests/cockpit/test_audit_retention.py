"""Retention of the audit log: only the start of the chain goes, a MAC'd checkpoint
records the new start, `verify-audit` passes from there and finds any tampering."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import delete, func, select, text

from likeness.cockpit import holds, retention, schedules
from likeness.models import AuditCheckpoint, AuditEvent, OutgoingEmail, utcnow
from likeness.platform import audit, audit_head, daily
from likeness.platform.actor import SYSTEM
from likeness.platform.uow import use_case
from tests.cockpit import factories
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


@use_case
def _events(*subjects: str | None) -> None:
    for subject in subjects:
        audit.record("test.event", actor=SYSTEM, subject=subject)


def _audit_plan() -> retention.RulePlan:
    (rule_plan,) = [p for p in retention.plan() if p.rule == "audit_log"]
    return rule_plan


def _later() -> Any:
    years = schedules.AUDIT_YEARS.default
    return time_machine.travel(utcnow() + timedelta(days=365 * years + 3), tick=False)


def _verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    return result.exit_code, result.output


def _prune_old_events(app: Flask, db: Any) -> int:
    """Old events, then newer ones after the period, then the daily run prunes."""
    _events("asset:1", None, "person:999")
    old = db.session.scalar(select(func.max(AuditEvent.seq)))
    with _later():
        _events(None, None)
        (due,) = _audit_plan().due
        assert due.ref == f"audit_events:1-{old}"
        daily.schedule_if_due()
        run_jobs()
    db.session.expire_all()
    return old


def test_old_events_are_deleted_from_the_start_and_the_chain_still_verifies(
    app: Flask, db: Any
):
    old = _prune_old_events(app, db)
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).limit(1)).one()
    assert first.seq == old + 1
    (checkpoint,) = db.session.scalars(select(AuditCheckpoint))
    assert (checkpoint.first_seq, checkpoint.first_hash) == (first.seq, first.hash)
    assert checkpoint.pruned == old
    pruned = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.pruned")).one()
    assert pruned.details == {"count": old, "first_kept_seq": old + 1}
    code, output = _verify(app)
    assert code == 0, output
    assert output.startswith("OK")
    # New events chain on as before.
    _events(None)
    assert _verify(app)[0] == 0


def test_a_changed_checkpoint_is_detected(app: Flask, db: Any):
    _prune_old_events(app, db)
    checkpoint = db.session.scalars(select(AuditCheckpoint)).one()
    checkpoint.first_seq += 1  # as if one more event had been pruned
    db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "checkpoint does not match its MAC" in output


def test_deleting_more_events_from_the_start_is_detected(app: Flask, db: Any):
    _prune_old_events(app, db)
    first = db.session.scalar(select(func.min(AuditEvent.id)))
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == first))
    db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "does not start at its checkpoint" in output


def test_removing_the_checkpoint_is_detected(app: Flask, db: Any):
    _prune_old_events(app, db)
    db.session.execute(delete(AuditCheckpoint))
    db.session.commit()
    code, output = _verify(app)
    assert code == 1 and "events are missing" in output


def test_a_legal_hold_stops_the_deletion_at_the_first_event_it_keeps(
    app: Flask, db: Any, make_staff: Any
):
    person = factories.person(db, "Held")
    db.session.commit()
    _events(None, f"person:{person.id}", None)
    held_seq = db.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.subject == f"person:{person.id}"))
    holds.place("person", str(person.id), "Court case", actor=make_staff("privacy_officer"))
    with _later():
        rule_plan = _audit_plan()
        assert [i.ref for i in rule_plan.held] == [f"audit_event:{held_seq}"]
        assert [i.ref for i in rule_plan.due] == [f"audit_events:1-{held_seq - 1}"]
        retention.execute(retention.plan())
    db.session.expire_all()
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).limit(1)).one()
    assert first.seq == held_seq
    assert _verify(app)[0] == 0


def test_nothing_is_deleted_within_the_period(app: Flask, db: Any):
    _events(None, None)
    assert _audit_plan().due == []


def _refuse_audit_deletes(db: Any) -> None:
    """What the production grants do (no DELETE on audit_event for the app's role)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "CREATE FUNCTION refuse_audit_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'permission denied for table audit_event' "
            "USING ERRCODE = '42501'; END $$"))
        db.session.execute(text(
            "CREATE TRIGGER refuse_audit_delete BEFORE DELETE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_delete()"))
    else:
        db.session.execute(text(
            "CREATE TRIGGER refuse_audit_delete BEFORE DELETE ON audit_event BEGIN "
            "SELECT RAISE(ABORT, 'permission denied for table audit_event'); END"))


def _allow_audit_deletes(db: Any) -> None:
    db.session.execute(text("DROP TRIGGER IF EXISTS refuse_audit_delete"
                            + (" ON audit_event" if db.session.get_bind().dialect.name
                               == "postgresql" else "")))


def test_a_database_that_refuses_deletes_skips_only_the_audit_rule(app: Flask, db: Any):
    _events(None, None)
    email = OutgoingEmail(recipient="a@example.org", subject="s", body_text="b",
                          sent_at=utcnow())
    db.session.add(email)
    db.session.commit()
    email_id = email.id
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    _refuse_audit_deletes(db)
    try:
        with _later():
            counts = retention.execute(retention.plan())
    finally:
        _allow_audit_deletes(db)
    assert counts["retention_audit_log"] == 0 and counts["retention_sent_emails"] == 1
    db.session.expire_all()
    assert db.session.get(OutgoingEmail, email_id) is None  # the rest of the run stands
    assert db.session.scalar(select(func.count(AuditEvent.id))) > before  # nothing pruned
    assert db.session.scalars(select(AuditCheckpoint)).all() == []
    refused = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "audit.prune_refused")).one()
    assert refused.details["error"]
    (purged,) = [e.details for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "retention.purged")) if e.details["rule"] == "audit_log"]
    assert purged["count"] == 0
    assert _verify(app)[0] == 0


def test_the_head_kept_outside_the_database_is_never_deleted(app: Flask, db: Any):
    """The daily run writes events before its retention part, in the same transaction:
    they come after the head (the newest committed event), which must stay."""
    _events(None, None)
    head = audit_head.read()
    assert head is not None

    @use_case
    def daily_run() -> None:
        audit.record("test.in_progress", actor=SYSTEM)
        retention.execute(retention.plan())

    with _later():
        daily_run()
    db.session.expire_all()
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).limit(1)).one()
    assert first.id == head.id
    _events(None)  # audited writes go on
    assert _verify(app)[0] == 0
