"""Engine tuning per database, and the write intent of a transaction.

SQLite: real transactions (pysqlite's own BEGIN handling breaks SAVEPOINTs), foreign
keys enforced (our ON DELETE rules rely on them), WAL so the web process and the
worker can read while the other writes, and a busy timeout instead of instant
"database is locked" errors.

The busy timeout alone is not enough. A transaction that starts with a plain (deferred)
BEGIN, reads, and then writes must upgrade its read lock to the write lock; if another
process committed in between, SQLite refuses the upgrade at once, busy timeout or not
("database is locked": a 500). So a transaction that is going to write (a unit of
work, the outbox relay) starts with `BEGIN IMMEDIATE`: it waits, up to the busy
timeout, for the write lock before it reads anything, and then never has to upgrade.
Read-only transactions (rendering a page) keep the deferred BEGIN and never wait.

Files: the SQLite database, its WAL and shared-memory files hold personal data, so
they are made readable by their owner only (0600), whatever the umask.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15000

_write_intent: ContextVar[bool] = ContextVar("likeness_write_intent", default=False)


@contextmanager
def intends_to_write() -> Iterator[None]:
    """Transactions begun inside this block take the write lock up front (SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def writing() -> bool:
    return _write_intent.get()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    path = Path(database) if database and database != ":memory:" else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        if path is not None:
            restrict_files(path)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing() else "BEGIN")


def restrict_files(path: Path) -> None:
    """Owner-only access to the database file and its WAL and shared-memory files."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if candidate.exists() and candidate.stat().st_mode & 0o077:
                os.chmod(candidate, 0o600)
        except OSError:  # not ours to change (a read-only copy): leave it
            continue
