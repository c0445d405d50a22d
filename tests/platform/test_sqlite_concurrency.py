"""SQLite under concurrent use: the web process and a worker process writing at once.

Another process writes between the moment a request first reads and the moment it
writes. With a deferred BEGIN that write is an upgrade SQLite refuses at once
("database is locked", a 500 page). A use case begins with BEGIN IMMEDIATE instead:
it holds the write lock from its first read, so the other process waits for it (here
it tries once, finds the lock taken, and succeeds when it tries again afterwards).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from likeness.extensions import db
from likeness.models import Setting
from likeness.platform import jobs
from likeness.platform.uow import use_case
from likeness.staff import accounts
from tests.support.helpers import login

# A separate process writing one row, trying once (no busy wait): a worker's commit.
_WRITER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
try:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO setting (key, value, updated_at) VALUES (?, '1', "
                       "'2026-01-01 00:00:00.000000')", (sys.argv[2],))
    connection.execute("COMMIT")
except sqlite3.OperationalError as exc:
    print(exc)
    sys.exit(3)
"""


def _database_file(app: Flask) -> str:
    return str(Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")))


def _other_process_writes(app: Flask, key: str) -> bool:
    result = subprocess.run([sys.executable, "-c", _WRITER, _database_file(app), key],
                            capture_output=True, text=True, timeout=60, check=False)
    return result.returncode == 0


class WriterBetweenReadAndWrite:
    """After the first statement that reads `table`, another process tries to write."""

    def __init__(self, app: Flask, table: str) -> None:
        self.app, self.table, self.attempts = app, table, []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.attempts and statement.lstrip().upper().startswith("SELECT") and (
            f"FROM {self.table}" in statement
        ):
            self.attempts.append(_other_process_writes(self.app, "worker-wrote-1"))


def test_login_while_a_worker_commits_is_no_database_is_locked_500(committed_app: Flask):
    app = committed_app
    accounts.create_staff("dana@example.org", "admin", password="correct horse 42")
    client = app.test_client()
    writer = WriterBetweenReadAndWrite(app, "staff_user")
    event.listen(db.engine, "after_cursor_execute", writer)
    try:
        response = login(client, "dana@example.org", "correct horse 42")
    finally:
        event.remove(db.engine, "after_cursor_execute", writer)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    # The login held the write lock from its first read, so the worker had to wait;
    # once the login committed, the worker's write goes through.
    assert writer.attempts == [False]
    assert _other_process_writes(app, "worker-wrote-2")
    db.session.rollback()
    user = accounts.find_by_email("dana@example.org")
    assert user is not None and user.last_login_at is not None


def test_a_view_that_read_first_still_writes_after_another_process_committed(
    committed_app: Flask,
):
    """A request's read before its use case (a form's choices) leaves no stale snapshot."""
    app = committed_app

    @use_case
    def store(key: str) -> None:
        db.session.add(Setting(key=key, value="x"))

    assert db.session.scalar(select(Setting).where(Setting.key == "nothing")) is None
    assert _other_process_writes(app, "worker-wrote-meanwhile")
    store("web-wrote")  # today: "database is locked" (the read snapshot is stale)
    db.session.rollback()
    keys = set(db.session.scalars(select(Setting.key)))
    assert {"web-wrote", "worker-wrote-meanwhile"} <= keys


_prepared_while_unlocked: list[bool] = []


def _heavy_compute(key: str) -> str:
    # While the compute step runs, another process can write: no write lock is held.
    from flask import current_app

    _prepared_while_unlocked.append(_other_process_writes(current_app, key))  # type: ignore[arg-type]
    return "computed"


@jobs.job(prepare=_heavy_compute)
@use_case
def _two_phase(key: str, prepared: str | None = None) -> None:
    db.session.add(Setting(key=f"{key}-effect", value=prepared or "inline"))


def test_a_jobs_compute_step_runs_outside_the_write_lock(committed_app: Flask):
    _prepared_while_unlocked.clear()

    @use_case
    def queue() -> int:
        return _two_phase.later("two-phase").id

    outbox_id = queue()
    assert jobs.run_outbox_job(outbox_id) == "done"
    assert _prepared_while_unlocked == [True]
    db.session.rollback()
    assert db.session.get(Setting, "two-phase-effect").value == "computed"
    # Called directly (no worker), the job computes inline, as before.
    _two_phase("direct")
    assert db.session.get(Setting, "direct-effect").value == "inline"


@pytest.mark.parametrize("name", ["likeness.library.indexing.index_asset",
                                  "likeness.dsr.locate.scan_chunk"])
def test_face_jobs_compute_outside_the_transaction(name: str, app: Flask):
    assert jobs.registered()[name].prepare is not None, f"{name} computes inside its transaction"


def test_the_database_file_is_readable_by_its_owner_only(committed_app: Flask):
    path = Path(_database_file(committed_app))
    with committed_app.app_context():
        db.session.execute(select(1))
    for candidate in (path, Path(f"{path}-wal")):
        if candidate.exists():
            assert candidate.stat().st_mode & 0o777 == 0o600, candidate
