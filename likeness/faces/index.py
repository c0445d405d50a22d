"""The in-memory search index: every decrypted template of this process.

Exact search, not approximate: a data-subject request must find every photo, and
approximate indexes (HNSW) miss a few percent. The templates live in a
`likeness.faces.matrix.TemplateMatrix`: int8 codes scanned on every core, then every
candidate within a safe margin re-ranked with the exact float32 distance, so it returns
exactly what a full float32 scan returns (a few ms per query at a million faces, 652
bytes per face).

The index is built on first use (decrypting every template in batches, which is
audited) and kept per process. A counter row (`face_index_state`) is bumped in every
transaction that adds or removes templates (`record_change`), and a change log row
says which face ids that version added and removed. After the commit this process
patches its own index in place; another process, seeing a newer version before it
searches, applies the logged changes (decrypting only the added templates) or, if a
version is missing from the log (a wholesale change), rebuilds. No process ever
searches stale templates.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from numpy.typing import NDArray
from sqlalchemy import Connection, delete, func, select, update

from likeness.extensions import db
from likeness.faces.crypto import keyring
from likeness.faces.engine import TEMPLATE_SIZE
from likeness.faces.matrix import TemplateMatrix
from likeness.models import Face, FaceIndexChange, FaceIndexState
from likeness.platform.app_state import per_app
from likeness.platform.uow import after_commit

_EXTENSION_KEY = "likeness.face_index"
_STATE_ID = 1
LOAD_BATCH = 10_000  # templates decrypted per step when the index is (re)built
# Versions kept in the change log; a process further behind rebuilds.
KEEP_CHANGES = 1_000


@dataclass
class FaceIndex:
    """This process's templates (`likeness.faces.matrix`: int8 codes scanned on every
    core, then an exact re-rank) and the stored version they reflect."""

    templates: TemplateMatrix = field(default_factory=TemplateMatrix)
    version: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return len(self.templates)

    @property
    def ids(self) -> NDArray[np.int64]:
        """The face ids held, in storage order (a copy)."""
        return self.templates.ids

    def add(self, ids: list[int], templates: list[NDArray[np.float32]]) -> None:
        if not ids:
            return
        self.templates.remove(ids)  # a face whose template was made again
        self.templates.append(ids, np.vstack(templates))

    def remove(self, ids: list[int]) -> None:
        if ids:
            self.templates.remove(ids)

    def search(
        self, query: NDArray[np.floating], k: int | None, max_distance: float
    ) -> list[tuple[int, float]]:
        """Face ids within `max_distance` of `query`, nearest first, at most `k` (None:
        all of them)."""
        if not len(self):
            return []
        ids, distances = self.templates.within(np.asarray(query, np.float32), max_distance)
        if k is not None:
            ids, distances = ids[:k], distances[:k]
        return [(int(i), float(d)) for i, d in zip(ids, distances, strict=True)]


def _index() -> FaceIndex:
    return per_app(_EXTENSION_KEY, FaceIndex)


def stored_version() -> int:
    state = db.session.get(FaceIndexState, _STATE_ID)
    return state.version if state else 0


def record_change(
    *,
    added: dict[int, NDArray[np.float32]] | None = None,
    removed: list[int] | None = None,
) -> int:
    """Mark the stored templates as changed in the current unit of work.

    After the commit this process's index is patched with `added` and `removed`;
    every other process sees the new version and rebuilds. Returns the new version.
    """
    version = _bump_version()
    added_now, removed_now = dict(added or {}), list(removed or [])
    # For the other processes: what this version changed (see `_catch_up`).
    db.session.add(FaceIndexChange(version=version, added=sorted(added_now),
                                   removed=sorted(removed_now)))
    db.session.execute(delete(FaceIndexChange).where(
        FaceIndexChange.version <= version - KEEP_CHANGES))
    after_commit(lambda: _apply_changes(version, added=added_now, removed=removed_now))
    return version


def record_bulk_change() -> None:
    """Mark the stored templates as changed wholesale (e.g. all purged): every process,
    this one included, rebuilds its index before the next search."""
    _bump_version()


def _bump_version() -> int:
    result = db.session.execute(
        update(FaceIndexState)
        .where(FaceIndexState.id == _STATE_ID)
        .values(version=FaceIndexState.version + 1)
        .returning(FaceIndexState.version)
    ).scalar()
    if result is None:
        db.session.add(FaceIndexState(id=_STATE_ID, version=1))
        db.session.flush()
        return 1
    return int(result)


def current_index() -> tuple[FaceIndex, int]:
    """The index, brought up to date first if the stored templates changed; returns it
    with how many templates that decrypted (0: it was current)."""
    index = _index()
    with index.lock:
        # Read under the lock: a commit's patch (`_apply_changes`) may move the index on
        # meanwhile, and an older version read before it would label the index backwards.
        version = stored_version()
        if index.version == version:
            return index, 0
        caught_up = _catch_up(index, version) if index.version >= 0 else None
        if caught_up is not None:
            return index, caught_up
        index.templates = _load_all()
        index.version = version
        return index, len(index)


def _catch_up(index: FaceIndex, version: int) -> int | None:
    """Apply the logged changes between the index's version and `version`: the templates
    another process added are read and decrypted, nothing else. None when a version is
    missing from the log (a wholesale change, or pruned): then only a rebuild is safe."""
    if not 0 < version - index.version <= KEEP_CHANGES:
        return None  # too far behind (a restore jumps the counter), or moved backwards
    changes = list(db.session.scalars(
        select(FaceIndexChange).where(FaceIndexChange.version > index.version,
                                      FaceIndexChange.version <= version)
        .order_by(FaceIndexChange.version)))
    if [c.version for c in changes] != list(range(index.version + 1, version + 1)):
        return None
    removed = {face_id for change in changes for face_id in change.removed}
    added: set[int] = set()
    for change in changes:  # in order: a face added, then removed, ends removed
        added -= set(change.removed)
        added |= set(change.added)
    index.remove(sorted(removed | added))
    faces = Face.__table__
    rows = db.session.connection().execute(
        select(faces.c.id, faces.c.template_ciphertext, faces.c.template_key_version)
        .where(faces.c.id.in_(sorted(added)), faces.c.template_ciphertext.is_not(None))
    ).all() if added else []
    if rows:
        templates = np.empty((len(rows), TEMPLATE_SIZE), np.float32)
        keyring().decrypt_into(templates, rows)  # type: ignore[arg-type]
        index.add([row[0] for row in rows], list(templates))
    index.version = version
    return len(rows)


def _load_all() -> TemplateMatrix:
    """Every stored template, decrypted batch by batch straight into a matrix reserved
    at its final size: peak memory is the index plus one batch, never a list of
    a million arrays first."""
    connection = db.session.connection()
    count = connection.execute(select(func.count(Face.id)).where(
        Face.template_ciphertext.is_not(None))).scalar()
    matrix = TemplateMatrix()
    matrix.reserve(int(count or 0))
    ring = keyring()
    for batch in _stored_templates(connection):
        ids = np.fromiter((row[0] for row in batch), np.int64, len(batch))
        templates = np.empty((len(batch), TEMPLATE_SIZE), np.float32)
        ring.decrypt_into(templates, batch)
        matrix.append(ids, templates)
    return matrix


def _stored_templates(connection: Connection) -> Iterator[Sequence[tuple[int, bytes, int]]]:
    """(id, ciphertext, key version) of every face with a template, LOAD_BATCH at a time.

    Straight from the driver's cursor, on the session's own connection (so it sees this
    transaction): SQLAlchemy's row objects would cost a third of the load. PostgreSQL
    streams through a server-side (named) cursor; SQLite's cursor streams by itself."""
    raw = connection.connection
    named = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name="likeness_index_load") if named else raw.cursor()
    try:
        cursor.execute("SELECT id, template_ciphertext, template_key_version FROM face "
                       "WHERE template_ciphertext IS NOT NULL")
        while batch := cursor.fetchmany(LOAD_BATCH):
            yield batch  # tuples of (int, bytes, int) from both drivers
    finally:
        cursor.close()


def _apply_changes(
    version: int,
    *,
    added: dict[int, NDArray[np.float32]] | None = None,
    removed: list[int] | None = None,
) -> None:
    """After a commit that bumped the counter to `version`: update this process's index.

    Only if the index was exactly one step behind; otherwise another process changed
    templates too, and the next search rebuilds.
    """
    index = current_app.extensions.get(_EXTENSION_KEY)
    if index is None:
        return  # this process keeps no index (it asks the search worker): nothing to patch
    with index.lock:
        if index.version != version - 1:
            return
        index.remove(list(removed or []))
        if added:
            index.add(list(added), list(added.values()))
        index.version = version
