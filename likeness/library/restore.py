"""After a restore: every process rebuilds its face search index.

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
from likeness.models import FaceIndexState
from likeness.platform.backup import after_restore


@after_restore("face_index")
def invalidate_search_indexes() -> dict[str, int]:
    version = 1_000_000_000 + secrets.randbelow(1_000_000_000)
    db.session.execute(update(FaceIndexState).values(version=version))
    return {}
