"""One code, one login: a TOTP code or recovery code posted twice at the same moment
logs in once (issue 31). On PostgreSQL (READ COMMITTED) both requests used to read the
row before either wrote, and both were accepted.

The app here commits for real, on a database of its own (PostgreSQL when DATABASE_URL
is set, else a SQLite file): two threads each run the real use case in their own app
context, and a barrier holds both between reading the account and claiming the code.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import make_url

from likeness.app import create_app
from likeness.extensions import db
from likeness.models import StaffUser
from likeness.staff import accounts, two_factor
from tests.conftest import _postgres_admin, make_config


@pytest.fixture
def own_database(tmp_path: Path, database_url: str, migrated: str) -> Iterator[str]:
    # (`migrated`: the PostgreSQL pass of the suite runs the tests that use its database.)
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'race.db'}"
        return
    admin = make_url(database_url)
    name = f"{admin.database}_race_{uuid.uuid4().hex[:8]}"
    _postgres_admin(admin, f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    _postgres_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def race_app(tmp_path: Path, own_database: str, redis_url: str, smtp_server: Any
             ) -> Iterator[Flask]:
    app = create_app(make_config(tmp_path, own_database, redis_url, smtp_server[0]))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _enrolled(app: Flask) -> tuple[int, str, list[str]]:
    with app.app_context():
        user, _ = accounts.create_staff(f"admin-{uuid.uuid4().hex[:6]}@example.org", "admin",
                                        password="correct horse 42")
        secret = two_factor.begin_enrolment(user.id)
        codes = two_factor.confirm_enrolment(user.id, pyotp.TOTP(secret).now())
        db.session.get(StaffUser, user.id).totp_last_step = None  # the code is fresh again
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id, secret, codes


# A statement on this small database that runs longer than this is waiting for a lock.
_WAITING_AFTER_S = 1.0
# However things go, the first reader goes on after this.
_HOLD_AT_MOST_S = 5.0


def _both_at_once(app: Flask, user_id: int, code: str, monkeypatch: Any) -> list[bool]:
    """Both threads log in with `code`. Each is held after its first read until the other
    has read too, so both decide on the same state: unless the other cannot read before
    this one writes (it waits on the database: SQLite's BEGIN IMMEDIATE, a row lock), and
    there is no race to wait for. The hold ends as soon as either is seen, not after a
    fixed timeout."""
    reads = {"step": two_factor._matching_step, "recovery": two_factor._unused_recovery_code}
    first_read: set[int] = set()  # threads past their first read
    in_statement: dict[int, float] = {}  # thread -> when its running statement began
    changed = threading.Condition()

    def began(*_args: Any) -> None:
        in_statement[threading.get_ident()] = time.monotonic()

    def ended(*_args: Any) -> None:
        in_statement.pop(threading.get_ident(), None)

    def other_is_waiting(me: int) -> bool:
        now = time.monotonic()
        return any(thread != me and now - since > _WAITING_AFTER_S
                   for thread, since in list(in_statement.items()))

    def held(real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            found = real(*args, **kwargs)
            me = threading.get_ident()
            with changed:
                if me in first_read:
                    return found  # a later read (after the claim): nothing to line up
                first_read.add(me)
                changed.notify_all()
                give_up = time.monotonic() + _HOLD_AT_MOST_S
                while (len(first_read) < 2 and not other_is_waiting(me)
                       and time.monotonic() < give_up):
                    changed.wait(0.02)
            return found
        return wrapper

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", began)
    event.listen(engine, "after_cursor_execute", ended)
    event.listen(engine, "handle_error", ended)  # a statement that failed is not waiting
    monkeypatch.setattr(two_factor, "_matching_step", held(reads["step"]))
    monkeypatch.setattr(two_factor, "_unused_recovery_code", held(reads["recovery"]))
    results: list[bool] = []

    def login() -> None:
        with app.app_context():
            try:
                results.append(two_factor.verify(user_id, code))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=login) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        event.remove(engine, "before_cursor_execute", began)
        event.remove(engine, "after_cursor_execute", ended)
        event.remove(engine, "handle_error", ended)
    return results


def test_one_totp_code_posted_twice_at_once_logs_in_once(race_app: Flask, monkeypatch: Any):
    user_id, secret, _codes = _enrolled(race_app)
    results = _both_at_once(race_app, user_id, pyotp.TOTP(secret).now(), monkeypatch)
    assert sorted(results) == [False, True]


def test_one_recovery_code_posted_twice_at_once_logs_in_once(race_app: Flask,
                                                             monkeypatch: Any):
    user_id, _secret, codes = _enrolled(race_app)
    results = _both_at_once(race_app, user_id, codes[0], monkeypatch)
    assert sorted(results) == [False, True]
