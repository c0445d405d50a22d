"""What a page costs besides itself (issue 29): an anonymous page asks the database nothing
once its footer is known, a privacy officer who only looks at a case commits nothing, and
a photo's page does not read its faces one query each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from likeness.cockpit import transparency
from likeness.dsr import intake
from likeness.models import Asset, Face
from likeness.platform.actor import CLI


@contextmanager
def _statements(db: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def _commits() -> Iterator[list[Session]]:
    seen: list[Session] = []

    def record(session: Session) -> None:
        seen.append(session)

    event.listen(Session, "after_commit", record)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", record)


def test_portal_pages_ask_the_database_nothing_once_the_footer_is_known(
        client: FlaskClient, db: Any):
    transparency.update(notice="", dpo="fg@example.org", actor=CLI)
    assert "fg@example.org" in client.get("/").get_data(as_text=True)
    with _statements(db) as statements:
        home = client.get("/")
        info = client.get("/quitclaim")
    assert home.status_code == info.status_code == 200
    assert "fg@example.org" in home.get_data(as_text=True)
    assert "fg@example.org" in info.get_data(as_text=True)
    assert statements == []
    # A change shows at once in the process that made it.
    transparency.update(notice="", dpo="privacy@example.org", actor=CLI)
    assert "privacy@example.org" in client.get("/").get_data(as_text=True)


def test_looking_at_a_case_commits_nothing(client: FlaskClient, logged_in: Any, db: Any):
    officer = logged_in("privacy_officer")
    row = intake.register(intake.Registration(
        type="access", name="Ada Example", received_via="email",
        received_at=datetime.now(UTC), details="Photographed at the open day", language="en",
        email="ada@example.org"), actor=officer)
    with _commits() as commits:
        page = client.get(f"/admin/requests/{row.id}")
    assert page.status_code == 200
    assert row.reference in page.get_data(as_text=True)
    assert commits == []


def _photo_with_faces(db: Any, upload: Any, name: str, count: int) -> int:
    asset_id = upload(name, index=False)[0]
    db.session.get(Asset, asset_id).status = "indexed"
    for number in range(count):
        db.session.add(Face(asset_id=asset_id, top=10 + 20 * number, right=50 + 20 * number,
                            bottom=50 + 20 * number, left=10 + 20 * number))
    db.session.commit()
    return asset_id


def test_a_photos_page_reads_its_faces_in_one_query(client: FlaskClient, logged_in: Any,
                                                   db: Any, upload: Any):
    logged_in("librarian")
    few = _photo_with_faces(db, upload, "obama.jpg", 2)
    many = _photo_with_faces(db, upload, "biden.jpg", 12)
    counts = {}
    for asset_id, faces in ((few, 2), (many, 12)):
        client.get(f"/admin/assets/{asset_id}")  # the officer and settings loaded once
        with _statements(db) as statements:
            page = client.get(f"/admin/assets/{asset_id}")
        assert page.status_code == 200
        assert page.get_data(as_text=True).count('class="face-item"') == faces
        counts[faces] = len(statements)
    assert counts[12] == counts[2], counts


def test_changes_left_uncommitted_are_refused_also_when_the_request_opened_the_session(
        app: Any, db: Any):
    """Pages that use no database open no session; one that opens it during the request
    and leaves a change behind (flushed or only added) is still refused."""
    from likeness.models.setting import Setting
    from likeness.web.uncommitted import UncommittedChanges

    def flushed() -> str:
        db.session.add(Setting(key="left-flushed", value="x"))
        db.session.flush()
        return "done"

    def pending() -> str:
        db.session.add(Setting(key="left-pending", value="x"))
        return "done"

    app.add_url_rule("/_test/flushed", "test_flushed", flushed)
    app.add_url_rule("/_test/pending", "test_pending", pending)
    client = app.test_client()
    for path in ("/_test/flushed", "/_test/pending"):
        db.session.really_remove()  # as in production: no session before the request
        assert not db.session.registry.has()
        with pytest.raises(UncommittedChanges):
            client.get(path)
        db.session.rollback()
    assert client.get("/request").status_code == 200


def test_showing_a_form_reads_no_translation_catalogue(client: FlaskClient,
                                                      monkeypatch: pytest.MonkeyPatch):
    """Catalogues are read once per process, not once per page: the request form and the
    login page, in both languages, read none after the first time."""
    from babel import support

    for path in ("/request", "/admin/login"):
        for language in ("en", "nl"):
            client.get(path, headers={"Accept-Language": language})
    loads: list[object] = []
    original = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        classmethod(lambda cls, *a, **k: loads.append(a) or original(*a, **k)))
    for path in ("/request", "/admin/login"):
        for language in ("en", "nl"):
            page = client.get(path, headers={"Accept-Language": language})
            assert page.status_code == 200
            assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert loads == []
