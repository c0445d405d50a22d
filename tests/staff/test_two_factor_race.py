"""One code, one login: a TOTP code or recovery code posted twice at the same moment
logs in once (issue 31). On PostgreSQL (READ COMMITTED) both requests used to read the
row before either wrote, and both were accepted.

The app here commits for real, on a database of its own (PostgreSQL when DATABASE_URL
is set, else a SQLite file): two threads each run the real use case in their own app
context, and a barrier holds both between reading the account and claiming the code.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask_migrate import upgrade
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


def _both_at_once(app: Flask, user_id: int, code: str, monkeypatch: Any) -> list[bool]:
    barrier = threading.Barrier(2)
    reads = {"step": two_factor._matching_step, "recovery": two_factor._unused_recovery_code}

    def held(real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            found = real(*args, **kwargs)
            # On SQLite the second waits for the write lock instead of reaching here.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            return found
        return wrapper

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
    for thread in threads:
        thread.join()
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
