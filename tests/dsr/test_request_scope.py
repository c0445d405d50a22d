"""A request's face scan profiles no bystander outside the scope staff chose."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from likeness.dsr import locate, scope
from likeness.errors import InvalidInput
from likeness.library import upload as uploads
from likeness.models import Asset, AuditEvent, Face, Match
from tests.support.helpers import FIXTURES, csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, submit_request, verify_by_email


def _add(name: str, actor: Any, collection: str | None = None, data: bytes | None = None) -> int:
    result = uploads.add_photo(data or (FIXTURES / name).read_bytes(), name, actor=actor,
                               collection=collection)
    assert result.ok, result.error
    assert result.asset_id is not None
    return result.asset_id


def _with_capture_date(name: str, taken: str) -> bytes:
    """The fixture photo as a camera would write it: EXIF DateTimeOriginal set."""
    with Image.open(FIXTURES / name) as image:
        exif = image.getexif()
        exif.get_ifd(0x8769)[36867] = taken
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _chunk_events(db: Any) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.search_chunk_done")))


def test_a_scan_with_a_collection_chosen_looks_only_at_that_collection(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, make_staff: Any
):
    app.config["SEARCH_CHUNK_ASSETS"] = 1
    gala = {_add("obama.jpg", librarian, "Gala"), _add("two_people.jpg", librarian, "Gala")}
    party = {_add("obama3.jpg", librarian, "Party"), _add("biden.jpg", librarian, "Party")}
    run_jobs()
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg", event="the gala")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    scope.set_scope(subject_request.id, collections=["Gala"], date_from=None, date_until=None,
                    actor=officer)
    locate.start(subject_request.id, actor=officer)
    run_jobs()

    events = _chunk_events(db)
    assert len(events) == 2 == subject_request.search_chunks_total  # two Gala photos
    assert sum(e.details["faces"] for e in events) == 3  # 1 + 2 faces, nothing else
    candidates = {a for _m, _f, a in [(m, f, f.asset_id) for m, f, _a in
                                      locate.candidates(subject_request.id)]}
    assert candidates and candidates <= gala
    assert not candidates & party  # obama3.jpg is him too, but outside the scope
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.template_ciphertext.is_not(None))) == 0  # nothing computed was kept


def test_without_a_scope_only_tagged_and_consented_faces_are_searched(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, make_staff: Any
):
    _add("obama.jpg", librarian)
    run_jobs()
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    assert _chunk_events(db) == []
    assert db.session.scalar(select(func.count()).select_from(Match)) == 0
    with pytest.raises(InvalidInput, match="whole library"):
        scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                        actor=officer)


def test_the_capture_date_is_kept_and_a_date_range_uses_it(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any
):
    dated = _add("obama3.jpg", librarian, data=_with_capture_date("obama3.jpg",
                                                                  "2019:05:04 12:00:00"))
    undated = _add("obama_small.jpg", librarian)  # its file carries no capture date
    run_jobs()
    asset = db.session.get(Asset, dated)
    assert asset.captured_at == datetime(2019, 5, 4, 10, 0, tzinfo=UTC)  # 12:00 in Amsterdam
    assert db.session.get(Asset, undated).captured_at is None
    submit_request(client, type_="access", selfie="obama2.jpg",
                   photographed_from="2019-05-01", photographed_until="2019-05-31")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    assert subject_request.requested_from == date(2019, 5, 1)
    officer = logged_in("privacy_officer")
    scope.set_scope(subject_request.id, collections=[], date_from=date(2019, 5, 1),
                    date_until=date(2019, 5, 31), actor=officer)
    summary = scope.summary(subject_request)
    assert (summary.photos, summary.faces, summary.photos_dated_by_upload) == (1, 1, 0)
    # A range that covers today counts the undated photo by its upload date, and says so.
    scope.set_scope(subject_request.id, collections=[], date_from=date(2019, 5, 1),
                    date_until=date(2100, 1, 1), actor=officer)
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "2 photos" in page
    assert "1 of these photos have no capture date" in page


def test_a_library_wide_scan_needs_a_recorded_reason(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, librarian: Any, logged_in: Any
):
    _add("obama.jpg", librarian)
    run_jobs()
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    logged_in("privacy_officer")
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(f"/admin/requests/{subject_request.id}/scope",
                           data={"csrf_token": token, "library_wide_reason": "No event named"},
                           follow_redirects=True)
    assert "1 photo" in response.get_data(as_text=True)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.scope_set")).one()
    assert event.details["library_wide"] is True


def test_a_search_before_the_email_is_confirmed_needs_a_reason(
    app: Flask, client: FlaskClient, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    submit_request(client, type_="access", details="Gala 2026")
    subject_request = latest_request(db)
    with pytest.raises(InvalidInput, match="not confirmed yet"):
        locate.start(subject_request.id, actor=officer)
    locate.start(subject_request.id, actor=officer, early_reason="Erasure is urgent: printing")
    assert subject_request.early_search_reason == "Erasure is urgent: printing"
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.early_search")).one()
