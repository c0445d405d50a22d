"""Retention for every category: photos, people without a quitclaim, the disclosure
register, the breach log, age answers, export ZIPs and backups. Each rule deletes what
its dry run lists once its period has passed, and nothing a legal hold keeps."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.cockpit import holds, retention, schedules
from likeness.dsr import links
from likeness.models import (
    AgeAnswer,
    Asset,
    Breach,
    Disclosure,
    Face,
    Person,
    QuitclaimInvitation,
    SubjectRequest,
    utcnow,
)
from likeness.platform import daily
from likeness.platform.backup_rotation import backup_dir
from likeness.platform.storage import instance_dir
from tests.cockpit import factories
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def _run_daily() -> None:
    daily.schedule_if_due()
    run_jobs()


def _plan(rule: str) -> retention.RulePlan:
    (rule_plan,) = [p for p in retention.plan() if p.rule == rule]
    return rule_plan


def _due(rule: str) -> list[str]:
    return [item.ref for item in _plan(rule).due]


def _held(rule: str) -> list[str]:
    return [item.ref for item in _plan(rule).held]


def _years(n: int, days: int = 2) -> Any:
    return time_machine.travel(utcnow() + timedelta(days=365 * n + n // 4 + days), tick=False)


def test_photos_of_people_without_a_valid_quitclaim_go_after_the_period_unless_held(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    jane = factories.person(db, "Jane")
    unconsented, consented = factories.asset(db), factories.asset(db)
    archived, landscape = factories.asset(db, "Town archive"), factories.asset(db, faces=0)
    restricted, consent_ended = factories.asset(db), factories.asset(db)
    restricted.is_restricted = True
    # Its quitclaim ends a year before the period is up: counted from that end instead.
    factories.quitclaim(db, jane, [consent_ended], valid_until=date.today() + timedelta(
        days=365 * (schedules.PHOTO_YEARS.default - 1)))
    factories.quitclaim(db, jane, [consented], valid_until=date.today() + timedelta(days=4000))
    db.session.commit()
    (instance_dir() / "assets").mkdir(parents=True, exist_ok=True)
    holds.place("collection", "Town archive", "Archiefwet 1995", actor=officer)
    face_ids = [f.id for f in unconsented.faces]

    with _years(schedules.PHOTO_YEARS.default, days=-10):
        assert _due("photos") == []
    with _years(schedules.PHOTO_YEARS.default):
        assert _due("photos") == [f"asset:{unconsented.id}"]
        assert _held("photos") == [f"asset:{archived.id}"]
        _run_daily()
    db.session.expire_all()
    left = set(db.session.scalars(select(Asset.id)))
    assert left == {consented.id, archived.id, landscape.id, restricted.id, consent_ended.id}
    assert db.session.scalars(select(Face).where(Face.id.in_(face_ids))).all() == []


def test_people_who_never_signed_are_deleted_and_their_faces_untagged(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    tagged_only, signed, held_person = (factories.person(db, n) for n in ("A", "B", "C"))
    erased, no_biometrics, asked = (factories.person(db, n) for n in ("D", "E", "F"))
    erased.is_suppressed = True
    no_biometrics.no_biometrics_at = utcnow()
    db.session.add(SubjectRequest(reference="DSR-2026-000009", type="access", status="closed",
                                  name="F", email="f@example.org", details="",
                                  due_on=date.today(), person_id=asked.id))
    photo = factories.asset(db, faces=2)
    factories.tag(db, photo.faces[0], tagged_only)
    factories.tag(db, photo.faces[1], signed)
    factories.quitclaim(db, signed, [photo], valid_until=date.today() + timedelta(days=30))
    db.session.commit()
    holds.place("person", str(held_person.id), "Court case", actor=officer)
    days = schedules.UNCONSENTED_PERSON_DAYS.default
    gone_id = tagged_only.id

    with time_machine.travel(utcnow() + timedelta(days=days - 1), tick=False):
        assert _due("unconsented_people") == []
    with time_machine.travel(utcnow() + timedelta(days=days + 1), tick=False):
        assert _due("unconsented_people") == [f"person:{tagged_only.id}"]
        assert _held("unconsented_people") == [f"person:{held_person.id}"]
        _run_daily()
    db.session.expire_all()
    assert db.session.get(Person, gone_id) is None
    # Kept: a signer, a held person, the suppression list, a "no biometrics" choice, and
    # the person a request (not yet minimised) names.
    assert {p.id for p in db.session.scalars(select(Person))} == {
        signed.id, held_person.id, erased.id, no_biometrics.id, asked.id}
    faces = {f.id: f.person_id for f in db.session.scalars(select(Face))}
    assert faces == {photo.faces[0].id: None, photo.faces[1].id: signed.id}


def test_a_recent_invitation_restarts_the_period(app: Flask, db: Any):
    invited = factories.person(db, "Invited")
    db.session.commit()
    days = schedules.UNCONSENTED_PERSON_DAYS.default
    with time_machine.travel(utcnow() + timedelta(days=days - 5), tick=False):
        db.session.add(QuitclaimInvitation(person_id=invited.id, channels=["website"],
                                           asset_ids=[], expires_at=utcnow()))
        db.session.commit()
    with time_machine.travel(utcnow() + timedelta(days=days + 5), tick=False):
        assert _due("unconsented_people") == []
    with time_machine.travel(utcnow() + timedelta(days=2 * days), tick=False):
        assert _due("unconsented_people") == [f"person:{invited.id}"]


def test_disclosure_register_entries_go_after_the_period_unless_the_photo_is_held(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    photo, held_photo = factories.asset(db), factories.asset(db)
    gone = factories.disclosure(db, photo, recipient="Daily Paper")
    kept = factories.disclosure(db, held_photo, recipient="Weekly")
    db.session.commit()
    holds.place("asset", str(held_photo.id), "Archiefwet", actor=officer)
    with _years(schedules.DISCLOSURE_YEARS.default):
        assert _due("disclosures") == [f"disclosure:{gone.id}"]
        assert _held("disclosures") == [f"disclosure:{kept.id}"]
        _run_daily()
    db.session.expire_all()
    assert list(db.session.scalars(select(Disclosure.id))) == [kept.id]


def test_closed_breaches_and_old_age_answers_go_after_their_periods(app: Flask, db: Any):
    closed = Breach(reference="BR-2026-001", discovered_at=utcnow(), description="x",
                    status="closed", closed_at=utcnow())
    still_open = Breach(reference="BR-2026-002", discovered_at=utcnow(), description="y")
    person = factories.person(db, "Kid")
    invitation = QuitclaimInvitation(person_id=person.id, channels=["website"], asset_ids=[],
                                     expires_at=utcnow() + timedelta(days=14))
    db.session.add_all([closed, still_open, invitation])
    db.session.flush()
    answer = AgeAnswer(invitation_id=invitation.id, date_of_birth=date(2012, 1, 1),
                       is_minor=True)
    db.session.add(answer)
    db.session.commit()
    answer_id = answer.id
    later = utcnow() + timedelta(days=schedules.AGE_ANSWER_DAYS.default + 1)
    invitation.expires_at = later + timedelta(days=1)  # resent: the link still works
    db.session.commit()
    with time_machine.travel(later, tick=False):
        assert _due("age_answers") == []
    invitation.expires_at = later - timedelta(days=1)
    db.session.commit()
    with time_machine.travel(later, tick=False):
        assert _due("age_answers") == [f"age_answer:{answer.id}"]
        assert _due("breaches") == []
    with _years(schedules.BREACH_YEARS.default):
        assert _due("breaches") == [f"breach:{closed.id}"]
        _run_daily()
    db.session.expire_all()
    assert list(db.session.scalars(select(Breach.id))) == [still_open.id]
    assert db.session.get(AgeAnswer, answer_id) is None


def test_an_export_zip_is_deleted_when_its_status_link_expires(
    app: Flask, client: FlaskClient, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    held_person = factories.person(db, "Held")
    (instance_dir() / "exports").mkdir(parents=True, exist_ok=True)
    requests = []
    for n, person_id in enumerate((None, held_person.id)):
        relative = f"exports/DSR-2026-00000{n}.zip"
        (instance_dir() / relative).write_bytes(b"PK zip")
        request = SubjectRequest(reference=f"DSR-2026-00000{n}", type="access",
                                 status="answered", name="J", email="j@example.org",
                                 details="", due_on=date.today(), person_id=person_id,
                                 export_zip_path=relative, export_zip_sha256="0" * 64,
                                 answer_sent_at=utcnow())
        db.session.add(request)
        requests.append(request)
    db.session.commit()
    holds.place("person", str(held_person.id), "Court case", actor=officer)
    with time_machine.travel(utcnow() + timedelta(days=89), tick=False):
        assert _due("exports") == []
    with time_machine.travel(utcnow() + timedelta(days=91), tick=False):
        assert _due("exports") == [f"request:{requests[0].id}"]
        assert _held("exports") == [f"request:{requests[1].id}"]
        _run_daily()
    db.session.expire_all()
    gone, kept = (db.session.get(SubjectRequest, r.id) for r in requests)
    assert gone.export_zip_path is None and not (instance_dir() / "exports/DSR-2026-000000.zip"
                                                 ).exists()
    assert kept.export_zip_path and (instance_dir() / kept.export_zip_path).exists()
    # The person's status page no longer offers it, and its address answers 404.
    token = links.status_token(gone)
    assert "export.zip" not in client.get(f"/request/status/{token}").get_data(as_text=True)
    assert client.get(f"/request/status/{token}/export.zip").status_code == 404
    kept_token = links.status_token(kept)
    assert client.get(f"/request/status/{kept_token}/export.zip").status_code == 200


def test_backups_rotate_after_the_period(app: Flask, db: Any):
    folder = backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    old, new = folder / "likeness-old.sealed", folder / "likeness-new.sealed"
    other = folder / "notes.txt"
    for path in (old, new, other):
        path.write_bytes(b"sealed")
    days = schedules.BACKUP_DAYS.default
    aged = (utcnow() - timedelta(days=days + 1)).timestamp()
    os.utime(old, (aged, aged))
    os.utime(other, (aged, aged))
    assert _due("backups") == ["backup:likeness-old.sealed"]
    _run_daily()
    assert not old.exists() and new.exists() and other.exists()


def test_the_dry_run_lists_every_category_with_its_period(app: Flask, db: Any):
    result = app.test_cli_runner().invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    for line in ("photos (5 years)", "unconsented_people (365 days)", "disclosures (5 years)",
                 "audit_log (5 years)", "breaches (5 years)", "age_answers (90 days)",
                 "backups (35 days)", "exports (90 days)", "untagged_templates (90 days)",
                 "closed_requests (2 years)", "sent_emails (30 days)",
                 "quitclaim_evidence (5 years)"):
        assert line in result.output
    assert "Dry run: nothing was changed." in result.output
