"""The withdrawal log: every withdrawal of consent, kept outside the database.

A backup restored later must not bring withdrawn consent back: the person said no,
and an old copy of the database does not know it. So each withdrawal is also copied,
by an outbox job committed with it, to the shared ledger (`ledger/withdrawals/` in
the object store, or `LEDGER_DIR`; see `likeness.platform.shared_ledger`), which no
backup contains and no restore touches, and which every machine reads. A restore
replays it (`likeness.consent.restore`). Entries an older version appended to the
local file (`WITHDRAWAL_LOG_FILE`, default `instance/ledger/withdrawals.jsonl`) are
still read, and copied to the shared ledger at the next restore.

Each line holds pseudonymous facts only: the quitclaim id, when it was signed (ids
are reused after a restore; the signing instant tells a quitclaim from a later one
with the same id), the channel or biometric scope, and when it was withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from likeness.models import Quitclaim, utcnow
from likeness.platform import append_log, shared_ledger

BOOK = "withdrawals"
_replaying: ContextVar[bool] = ContextVar("likeness_withdrawal_replay", default=False)


@dataclass(frozen=True)
class Entry:
    quitclaim_id: int
    signed_at: str
    channel: str | None
    biometric_only: bool
    withdrawn_at: str


def remember(quitclaim: Quitclaim, *, channel: str | None, biometric_only: bool) -> None:
    """Append this withdrawal to the log once the current unit of work commits."""
    if _replaying.get():
        return  # re-applying the log itself: it is in the log already
    entry = Entry(quitclaim.id, quitclaim.signed_at.isoformat(), channel, biometric_only,
                  utcnow().isoformat())
    shared_ledger.publish_later(BOOK, asdict(entry))


def save_legacy_entries() -> int:
    """Copy the local file's entries (written by older versions) to the shared ledger."""
    return shared_ledger.publish_now(BOOK, list(append_log.read(log_path())))


def entries() -> Iterator[Entry]:
    """Every withdrawal, oldest first (LedgerUnreadable when the ledger cannot be read)."""
    for record in shared_ledger.read(BOOK):
        yield Entry(**record)


def matches(entry: Entry, quitclaim: Quitclaim) -> bool:
    """The same quitclaim, not a later one that got the same id after a restore."""
    return datetime.fromisoformat(entry.signed_at) == quitclaim.signed_at


@contextmanager
def replaying() -> Iterator[None]:
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def log_path() -> Path:
    configured = current_app.config.get("WITHDRAWAL_LOG_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.config["INSTANCE_PATH"]) / "ledger" / "withdrawals.jsonl"
