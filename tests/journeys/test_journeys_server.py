"""The server side of the journeys (issue 13): the demo, details of a person, questions
before dangerous actions without JavaScript, kept photos, links in emails, staff forms."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.library import people
from likeness.models import (
    Asset,
    AuditEvent,
    InvitationStatus,
    Person,
    Quitclaim,
    QuitclaimInvitation,
    SubjectRequest,
)
from likeness.platform.actor import CLI
from likeness.platform.clock import today
from likeness.platform.queue import get_redis
from likeness.web import held_files
from likeness.web.i18n import LANGUAGE_POSTS_PER_HOUR
from tests.support.helpers import FIXTURES, csrf_token_from, link_in, run_jobs
from tests.support.scenarios import invite_and_open, sign


def test_seed_demo_fills_a_fresh_instance_and_refuses_one_with_data(committed_app: Flask):
    from likeness.extensions import db

    runner = committed_app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo ready: 4 photos" in result.output

    def count(model: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    assert count(Asset) == 4 and count(Person) == 3
    quitclaims = list(db.session.scalars(select(Quitclaim).order_by(Quitclaim.id)))
    assert len(quitclaims) == 2 and all(q.pdf_path for q in quitclaims)
    assert quitclaims[0].biometric_consent and quitclaims[0].signature_kind == "typed"
    assert today() < quitclaims[1].valid_until < today() + timedelta(days=30)  # expiring
    (request,) = db.session.scalars(select(SubjectRequest))
    assert request.type == "access" and request.selfie_path and request.email_verified_at
    waiting = db.session.scalars(select(QuitclaimInvitation).where(
        QuitclaimInvitation.status == InvitationStatus.OPEN)).one()
    assert db.session.get(Person, waiting.person_id).guardian_email == "parent@example.org"

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "already holds" in again.output
    assert count(Asset) == 4


def test_seed_demo_with_a_folder_missing_photos_names_them_and_adds_nothing(
        committed_app: Flask, tmp_path: Path):
    from likeness.extensions import db

    (tmp_path / "obama.jpg").write_bytes((FIXTURES / "obama.jpg").read_bytes())
    result = committed_app.test_cli_runner().invoke(args=["seed-demo", "--photos", str(tmp_path)])
    assert result.exit_code != 0
    assert "two_people.jpg" in result.output and "obama.jpg," not in result.output
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


def test_staff_edit_a_persons_details_audited_without_the_values(
        client: FlaskClient, db: Any, logged_in: Any):
    logged_in("librarian")
    person = people.create("Tagged Only", actor=CLI)
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    wrong = client.post(f"/admin/people/{person.id}/details",
                        data={"csrf_token": token, "email": "nope"})
    assert wrong.status_code == 400
    html = wrong.get_data(as_text=True)
    assert 'id="email-error"' in html and 'aria-invalid="true"' in html
    saved = client.post(f"/admin/people/{person.id}/details",
                        data={"csrf_token": token, "email": "Tagged@Example.org",
                              "date_of_birth": "2001-02-03"})
    assert saved.status_code == 302
    assert person.email == "tagged@example.org" and person.date_of_birth.year == 2001
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "person.details_changed")).one()
    assert event.details == {"changed": ["email", "date_of_birth"]}
    assert "tagged@example.org" not in str(event.details)


def test_without_javascript_deleting_a_person_asks_on_a_page_first(
        client: FlaskClient, db: Any, logged_in: Any):
    logged_in("librarian")
    person = people.create("To Be Deleted", actor=CLI)
    token = csrf_token_from(client.get(f"/admin/people/{person.id}").get_data(as_text=True))
    asked = client.post(f"/admin/people/{person.id}/delete", data={"csrf_token": token})
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Delete To Be Deleted?" in html and "cannot be undone" in html
    assert 'name="confirmed" value="yes"' in html
    assert db.session.get(Person, person.id) is not None
    done = client.post(f"/admin/people/{person.id}/delete",
                       data={"csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 302
    assert db.session.get(Person, person.id) is None


def test_the_signed_quitclaim_email_carries_a_personal_manage_link(
        app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
        librarian: Any):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    mailbox.messages.clear()
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    (message,) = [m for m in mailbox.to("barack@example.org") if "signed" in m["Subject"]]
    manage = link_in(message, "/consent/manage/")
    overview = client.get(manage)
    assert overview.status_code == 200
    html = overview.get_data(as_text=True)
    assert "The quitclaim you signed (PDF)" in html and "thumb-strip" in html


def test_a_photo_kept_after_an_error_is_used_and_then_deleted(
        client: FlaskClient, db: Any):
    before = set(get_redis().keys(held_files.redis_key("*")))  # other tests' leftovers
    page = client.get("/request")
    token = csrf_token_from(page.get_data(as_text=True))
    form = {"csrf_token": token, "type": "access", "name": "Barack Obama", "email": "",
            "language": "en", "selfie_consent": "y",
            "selfie": (io.BytesIO((FIXTURES / "obama2.jpg").read_bytes()), "obama2.jpg")}
    failed = client.post("/request", data=form, content_type="multipart/form-data")
    assert failed.status_code == 400
    assert "Your photo obama2.jpg is kept" in failed.get_data(as_text=True)
    held = set(get_redis().keys(held_files.redis_key("*"))) - before
    assert len(held) == 1
    assert 0 < get_redis().ttl(held.pop()) <= held_files.MAX_AGE_SECONDS  # gone in an hour
    sent = client.post("/request", data={**{k: v for k, v in form.items() if k != "selfie"},
                                         "email": "barack@example.org"},
                       content_type="multipart/form-data")
    assert sent.status_code == 200
    stored = db.session.scalars(select(SubjectRequest)).one()
    assert stored.selfie_path  # the kept photo went with the request
    assert set(get_redis().keys(held_files.redis_key("*"))) <= before  # deleted once used


def test_new_staff_start_as_viewers_and_password_rules_show_before_the_first_try(
        client: FlaskClient, logged_in: Any):
    logged_in("admin")
    staff = client.get("/admin/staff").get_data(as_text=True)
    assert '<option selected value="viewer">' in staff or \
        '<option value="viewer" selected>' in staff
    password = client.get("/admin/password").get_data(as_text=True)
    assert "At least 12 characters" in password


def test_language_switch_posts_that_keep_files_are_limited(client: FlaskClient):
    # Each post keeps its photo in Redis for an hour: a flood from fresh sessions is cut off.
    allowed = int(LANGUAGE_POSTS_PER_HOUR.split()[0])
    statuses = []
    for _ in range(allowed + 1):
        client.delete_cookie("session")  # a fresh visitor each time, as a flood would be
        token = csrf_token_from(client.get("/request").get_data(as_text=True))
        statuses.append(client.post("/lang/nl?next=/request", data={
            "csrf_token": token, "name": "Dana",
            "selfie": (io.BytesIO((FIXTURES / "obama2.jpg").read_bytes()), "obama2.jpg")},
            content_type="multipart/form-data").status_code)
    assert statuses[:allowed] == [302] * allowed
    assert statuses[-1] == 429


def test_a_kept_photo_that_expired_is_asked_for_again_not_silently_dropped(
        client: FlaskClient, db: Any):
    page = client.get("/request")
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
            "name": "Barack Obama", "email": "", "language": "en", "selfie_consent": "y",
            "selfie": (io.BytesIO((FIXTURES / "obama2.jpg").read_bytes()), "obama2.jpg")}
    failed = client.post("/request", data=form, content_type="multipart/form-data")
    assert "Your photo obama2.jpg is kept" in failed.get_data(as_text=True)
    with client.session_transaction() as session:  # an hour later, Redis let it expire
        (entry,) = session["held"].values()
    get_redis().delete(held_files.redis_key(entry["t"]))

    without = {k: v for k, v in form.items() if k != "selfie"}
    again = client.post("/request", data={**without, "email": "barack@example.org"},
                        content_type="multipart/form-data")
    assert again.status_code == 400
    assert "no longer kept. Please choose it again." in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SubjectRequest)) == 0
    chosen = client.post("/request", data={
        **without, "email": "barack@example.org",
        "selfie": (io.BytesIO((FIXTURES / "obama2.jpg").read_bytes()), "obama2.jpg")},
        content_type="multipart/form-data")
    assert chosen.status_code == 200
    assert db.session.scalars(select(SubjectRequest)).one().selfie_path


def test_a_language_switch_keeps_only_the_forms_own_file_field_up_to_a_cap(
        client: FlaskClient, monkeypatch: Any):
    photo = (FIXTURES / "obama2.jpg").read_bytes()

    def switch(next_url: str, **files: bytes) -> dict[str, Any]:
        client.delete_cookie("session")
        token = csrf_token_from(client.get("/request").get_data(as_text=True))
        data: dict[str, Any] = {"csrf_token": token, "name": "Dana"}
        data.update({name: (io.BytesIO(content), f"{name}.jpg")
                     for name, content in files.items()})
        client.post(f"/lang/nl?next={next_url}", data=data,
                    content_type="multipart/form-data")
        with client.session_transaction() as session:
            return dict(session.get("held", {}))

    held = switch("/request", selfie=photo, extra=photo, another=photo)
    assert set(held) == {"form:/request", "file:/request:selfie"}  # the form's own field
    assert set(switch("/consent", selfie=photo)) == {"form:/consent"}  # no file field there
    monkeypatch.setattr(held_files, "MAX_KEPT_BYTES", len(photo) - 1)
    assert set(switch("/request", selfie=photo)) == {"form:/request"}  # over the cap
