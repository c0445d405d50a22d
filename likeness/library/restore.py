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
from likeness.library import erasing
from likeness.models import FaceIndexState
from likeness.platform.actor import SYSTEM
from likeness.platform.backup import after_restore


@after_restore("face_index")
def invalidate_search_indexes() -> dict[str, int]:
    version = 1_000_000_000 + secrets.randbelow(1_000_000_000)
    db.session.execute(update(FaceIndexState).values(version=version))
    return {}


@after_restore("erasures")
def reapply_erasures() -> dict[str, int]:
    """No backup brings an erased face back: the ledger file (outside the restored data)
    puts back the entries made after the backup, then every entry is applied again."""
    added = erasing.restore_from_file()
    applied = erasing.apply_ledger(actor=SYSTEM)
    return {"erasure_entries_restored": added, "erasures_reapplied": applied}
