"""Retention with time moved forward: each rule deletes exactly what its dry run listed,
once, and never what a legal hold keeps (face templates excepted: a hold never keeps
biometric data)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from likeness.cockpit import holds, retention, schedules
from likeness.library import face_templates, tagging
from likeness.models import (
    AuditEvent,
    Face,
    OutgoingEmail,
    Quitclaim,
    RequestStatusChange,
    ReviewFlag,
    SubjectRequest,
    utcnow,
)
from likeness.platform import daily
from likeness.platform.actor import CLI
from likeness.platform.clock import AMSTERDAM
from likeness.platform.storage import instance_dir
from tests.cockpit import factories
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _run_daily() -> None:
    daily.schedule_if_due()
    run_jobs()


def _due(rule: str) -> list[str]:
    (rule_plan,) = [p for p in retention.plan() if p.rule == rule]
    return [item.ref for item in rule_plan.due]


def _held(rule: str) -> list[str]:
    (rule_plan,) = [p for p in retention.plan() if p.rule == rule]
    return [item.ref for item in rule_plan.held]


def _purge_events(db: Any, rule: str) -> list[AuditEvent]:
    return [e for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "retention.purged")) if e.details["rule"] == rule]


def test_untagged_templates_go_after_n_days_and_are_not_made_again_until_tagged(
    app: Flask, db: Any, policy_all: None, upload: Any, librarian: Any, make_staff: Any
):
    obama, group = upload("obama.jpg", "two_people.jpg")
    faces = list(db.session.scalars(select(Face).order_by(Face.id)))
    assert len(faces) == 3 and all(f.template_ciphertext for f in faces)
    tagging.tag_new_person(faces[0].id, "Barack Obama", actor=librarian)
    run_jobs()
    # A hold on the group photo does not keep templates.
    holds.place("asset", str(group), "Archiefwet 1995", actor=make_staff("privacy_officer"))
    assert _due("untagged_templates") == []

    later = utcnow() + timedelta(days=schedules.UNTAGGED_TEMPLATE_DAYS.default + 1)
    with time_machine.travel(later, tick=False):
        listed = _due("untagged_templates")
        assert listed == [f"face:{faces[1].id}", f"face:{faces[2].id}"]
        _run_daily()
    db.session.expire_all()
    purged = {f.id for f in db.session.scalars(select(Face).where(
        Face.template_ciphertext.is_(None)))}
    assert {f"face:{i}" for i in purged} == set(listed)
    assert db.session.get(Face, faces[0].id).template_ciphertext is not None  # tagged
    (event,) = _purge_events(db, "untagged_templates")
    assert event.details["count"] == 2
    assert retention.templates_purged_total() == 2

    # Policy `all` does not encode them again ...
    face_templates.enforce_template_policy()
    db.session.expire_all()
    assert db.session.get(Face, faces[1].id).template_ciphertext is None
    # ... until the face is tagged.
    tagging.tag(faces[1].id, faces[0].person_id, actor=librarian)
    run_jobs()
    db.session.expire_all()
    assert db.session.get(Face, faces[1].id).template_ciphertext is not None
    assert db.session.get(Face, faces[2].id).template_ciphertext is None

    # Once: the next day's run purges nothing more.
    with time_machine.travel(later + timedelta(days=1), tick=False):
        assert _due("untagged_templates") == []
        _run_daily()
    assert len(_purge_events(db, "untagged_templates")) == 1


def test_an_untagged_face_counts_its_days_from_the_untagging(
    app: Flask, db: Any, policy_all: None, upload: Any, librarian: Any
):
    (obama,) = upload("obama.jpg")
    face = db.session.scalars(select(Face)).one()
    tagging.tag_new_person(face.id, "Barack Obama", actor=librarian)
    days = schedules.UNTAGGED_TEMPLATE_DAYS.default
    with time_machine.travel(utcnow() + timedelta(days=days), tick=False):
        tagging.untag(face.id, actor=librarian)
    with time_machine.travel(utcnow() + timedelta(days=days + 2), tick=False):
        assert _due("untagged_templates") == []  # untagged two days ago
    with time_machine.travel(utcnow() + timedelta(days=2 * days + 1), tick=False):
        assert _due("untagged_templates") == [f"face:{face.id}"]


def _closed_request(db: Any, reference: str, person_id: int | None, *, files: bool = False
                    ) -> SubjectRequest:
    request = SubjectRequest(reference=reference, type="access", status="closed",
                             name="Jane Doe", email="jane@example.org", details="at the fair",
                             due_on=date.today(), person_id=person_id, outcome="answered",
                             closed_at=utcnow())
    db.session.add(request)
    db.session.flush()
    db.session.add(RequestStatusChange(request_id=request.id, to_status="closed",
                                       actor="staff:1", note="Jane called"))
    if files:
        relative = f"pdf/responses/{reference}.pdf"
        (instance_dir() / "pdf/responses").mkdir(parents=True, exist_ok=True)
        (instance_dir() / relative).write_bytes(b"%PDF-1.4 answer")
        request.response_pdf_path = relative
    db.session.flush()
    return request


def test_closed_requests_are_reduced_to_a_minimal_record_unless_held(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    held_person = factories.person(db, "Held Person")
    free = _closed_request(db, "DSR-2024-000001", None, files=True)
    kept = _closed_request(db, "DSR-2024-000002", held_person.id)
    db.session.commit()
    holds.place("person", str(held_person.id), "Court case pending", actor=officer)
    pdf = instance_dir() / free.response_pdf_path

    with time_machine.travel(utcnow() + timedelta(days=2 * 365 - 5), tick=False):
        assert _due("closed_requests") == []
    with time_machine.travel(utcnow() + timedelta(days=2 * 366 + 1), tick=False):
        assert _due("closed_requests") == [f"request:{free.id}"]
        assert _held("closed_requests") == [f"request:{kept.id}"]
        _run_daily()
        _run_daily()
    db.session.expire_all()
    free, kept = db.session.get(SubjectRequest, free.id), db.session.get(SubjectRequest, kept.id)
    assert (free.name, free.email, free.details, free.response_pdf_path) == ("", "", "", None)
    assert (free.reference, free.type, free.outcome) == ("DSR-2024-000001", "access", "answered")
    assert free.minimised_at is not None and not pdf.exists()
    assert all(c.note is None for c in db.session.scalars(select(RequestStatusChange).where(
        RequestStatusChange.request_id == free.id)))
    assert (kept.name, kept.email, kept.minimised_at) == ("Jane Doe", "jane@example.org", None)
    assert len(_purge_events(db, "closed_requests")) == 1


def test_sent_emails_are_deleted_after_n_days_except_to_held_people(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    held_person = factories.person(db, "Held Person", "held@example.org")
    sent = [OutgoingEmail(recipient=r, subject="s", body_text="b", sent_at=utcnow())
            for r in ("a@example.org", "HELD@example.org", "b@example.org")]
    unsent = OutgoingEmail(recipient="c@example.org", subject="s", body_text="b")
    db.session.add_all([*sent, unsent])
    db.session.commit()
    holds.place("person", str(held_person.id), "Archiefwet", actor=officer)
    ids = [e.id for e in sent]
    with time_machine.travel(utcnow() + timedelta(days=91), tick=False):
        listed = _due("sent_emails")
        assert listed == [f"email:{ids[0]}", f"email:{ids[2]}"]
        assert _held("sent_emails") == [f"email:{ids[1]}"]
        _run_daily()
    db.session.expire_all()
    left = set(db.session.scalars(select(OutgoingEmail.id)))
    assert {i for i in ids if f"email:{i}" in listed}.isdisjoint(left)
    assert ids[1] in left and unsent.id in left


def test_photos_of_an_ended_quitclaim_are_flagged_once_unless_held(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    jane = factories.person(db, "Jane")
    fair, archive = factories.asset(db, "Fair 2025"), factories.asset(db, "Town archive")
    quitclaim = factories.quitclaim(db, jane, [fair, archive],
                                    valid_until=date.today() + timedelta(days=10))
    db.session.commit()
    holds.place("collection", "Town archive", "Archiefwet 1995", actor=officer)
    with time_machine.travel(utcnow() + timedelta(days=5), tick=False):
        assert _due("expired_quitclaim_photos") == []
    with time_machine.travel(utcnow() + timedelta(days=12), tick=False):
        assert _due("expired_quitclaim_photos") == [f"asset:{fair.id}"]
        assert _held("expired_quitclaim_photos") == [f"asset:{archive.id}"]
        _run_daily()
    db.session.expire_all()
    assert db.session.get(Quitclaim, quitclaim.id).status == "expired"
    flags = list(db.session.scalars(select(ReviewFlag)))
    assert [(f.asset_id, f.quitclaim_id) for f in flags] == [(fair.id, quitclaim.id)]
    with time_machine.travel(utcnow() + timedelta(days=13), tick=False):
        assert _due("expired_quitclaim_photos") == []
        _run_daily()
    assert db.session.scalar(select(func.count()).select_from(ReviewFlag)) == 1


def test_ended_quitclaims_are_kept_five_years_then_deleted_unless_held(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    jane, john = factories.person(db, "Jane"), factories.person(db, "John")
    photo, held_photo = factories.asset(db), factories.asset(db)
    withdrawn_on = datetime(2026, 3, 1, 12, tzinfo=AMSTERDAM)
    (instance_dir() / "pdf/quitclaims").mkdir(parents=True, exist_ok=True)
    (instance_dir() / "pdf/quitclaims/q1.pdf").write_bytes(b"%PDF-1.4 signed")
    gone = factories.quitclaim(db, jane, [photo], valid_until=date(2030, 1, 1),
                               status="withdrawn", withdrawn_at=withdrawn_on,
                               pdf_path="pdf/quitclaims/q1.pdf")
    kept = factories.quitclaim(db, john, [held_photo], valid_until=date(2030, 1, 1),
                               status="withdrawn", withdrawn_at=withdrawn_on)
    active = factories.quitclaim(db, jane, [photo], valid_until=date(2040, 1, 1))
    db.session.commit()
    holds.place("asset", str(held_photo.id), "Archiefwet", actor=officer)
    with time_machine.travel(datetime(2031, 3, 1, 12, tzinfo=AMSTERDAM), tick=False):
        assert _due("quitclaim_evidence") == []  # the end day plus five years: not yet
    with time_machine.travel(datetime(2031, 3, 2, 12, tzinfo=AMSTERDAM), tick=False):
        assert _due("quitclaim_evidence") == [f"quitclaim:{gone.id}"]
        assert _held("quitclaim_evidence") == [f"quitclaim:{kept.id}"]
        _run_daily()
    db.session.expire_all()
    assert db.session.get(Quitclaim, gone.id) is None
    assert not (instance_dir() / "pdf/quitclaims/q1.pdf").exists()
    assert db.session.get(Quitclaim, kept.id) is not None
    assert db.session.get(Quitclaim, active.id) is not None
    (event,) = _purge_events(db, "quitclaim_evidence")
    assert event.details["count"] == 1 and event.details["held"] == 1


def test_releasing_a_hold_lets_the_next_run_purge(app: Flask, db: Any, make_staff: Any):
    officer = make_staff("privacy_officer")
    held_person = factories.person(db, "Held Person")
    request = _closed_request(db, "DSR-2024-000003", held_person.id)
    db.session.commit()
    hold = holds.place("person", str(held_person.id), "Court case", actor=officer)
    with time_machine.travel(utcnow() + timedelta(days=800), tick=False):
        assert _due("closed_requests") == []
        holds.release(hold.id, "Case closed", actor=officer)
        assert _due("closed_requests") == [f"request:{request.id}"]


def test_the_cli_dry_run_lists_and_changes_nothing(app: Flask, db: Any):
    email = OutgoingEmail(recipient="a@example.org", subject="s", body_text="b",
                          sent_at=utcnow())
    db.session.add(email)
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(days=100), tick=False):
        result = app.test_cli_runner().invoke(args=["retention", "--dry-run"])
        assert result.exit_code == 0, result.output
        assert f"would delete email:{email.id}" in result.output
        assert db.session.get(OutgoingEmail, email.id) is not None
        result = app.test_cli_runner().invoke(args=["retention"])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(OutgoingEmail, email.id) is None
    (event,) = _purge_events(db, "sent_emails")
    assert event.actor == CLI.audit_ref
