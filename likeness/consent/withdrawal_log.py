"""The withdrawal log: every withdrawal of consent, kept outside the database.

A backup restored later must not bring withdrawn consent back: the person said no,
and an old copy of the database does not know it. So each withdrawal is also
appended, once its transaction has committed, to an append-only file that no backup
contains and no restore touches (`WITHDRAWAL_LOG_FILE`, default
`instance/ledger/withdrawals.jsonl`, mode 0600; production keeps it on storage the
database server cannot write, backed up on its own). A restore replays it
(`likeness.consent.restore`).

Each line holds pseudonymous facts only: the quitclaim id, when it was signed (ids
are reused after a restore; the signing instant tells a quitclaim from a later one
with the same id), the channel or biometric scope, and when it was withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

from likeness.models import Quitclaim, utcnow
from likeness.platform import append_log
from likeness.platform.uow import after_commit

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
    path = log_path()
    after_commit(lambda: _append(path, entry))


def entries() -> Iterator[Entry]:
    for record in append_log.read(log_path()):
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


def _append(path: Path, entry: Entry) -> None:
    append_log.append(path, entry.__dict__)
