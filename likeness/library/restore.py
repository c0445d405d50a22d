"""After a restore: erasures made since the backup are made again, and every process
rebuilds its face search index.

Each process keeps an in-memory index and the counter value it reflects. A restore
may put the counter back to a value some process already holds, which would leave
that process searching templates that no longer exist (or missing restored ones).
The counter jumps to a random value far above any count of changes, which no
process holds (an integer column: below 2**31).
"""

from __future__ import annotations

import secrets

from sqlalchemy import update

from likeness.extensions import db
from likeness.library import erasing, ledger_replay
from likeness.models import FaceIndexState
from likeness.platform import shared_ledger
from likeness.platform.actor import SYSTEM
from likeness.platform.backup import BackupError, after_restore, before_restore


@before_restore("erasures")
def save_erasures() -> None:
    """The live database's entries reach the shared ledger before they are replaced;
    a ledger that cannot be written or read refuses the restore."""
    try:
        shared_ledger.flush_pending()
        ledger_replay.save_live_entries()
        shared_ledger.read(erasing.BOOK)
    except shared_ledger.LedgerUnreadable as exc:
        raise BackupError(str(exc)) from exc


@after_restore("face_index")
def invalidate_search_indexes() -> dict[str, int]:
    version = 1_000_000_000 + secrets.randbelow(1_000_000_000)
    db.session.execute(update(FaceIndexState).values(version=version))
    return {}


@after_restore("erasures")
def reapply_erasures() -> dict[str, int]:
    """No backup brings an erased face back: the shared ledger (outside the restored
    data) puts back the entries made after the backup, then every entry is applied."""
    try:
        added = ledger_replay.merge_shared()
        counts = ledger_replay.apply_ledger(actor=SYSTEM, immediate=True)
        ledger_replay.save_live_entries()  # entries only the archive knew (older ledgers)
    except shared_ledger.LedgerUnreadable as exc:
        raise BackupError(str(exc)) from exc
    return {"erasure_entries_restored": added, **counts}
