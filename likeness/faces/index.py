"""The in-memory search index: every decrypted template of this process, as one matrix.

Exact search, not approximate: a data-subject request must find every photo, and
approximate indexes (HNSW) miss a few percent. With precomputed squared norms the
distances to all N templates are one matrix-vector product:
`|e - q|^2 = |e|^2 - 2 e.q + |q|^2`, about 10 ms per million templates on 2 cores.

The index is built on first use (decrypting every template, which is audited) and
kept per process. A counter row (`face_index_state`) is bumped in every transaction
that adds or removes templates (`record_change`); after the commit this process
patches its own index in place, and a process whose index reflects another value
rebuilds before searching, so no process ever searches stale templates.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select, update

from likeness.extensions import db
from likeness.faces.crypto import keyring
from likeness.faces.engine import TEMPLATE_SIZE
from likeness.models import Face, FaceIndexState
from likeness.platform.app_state import per_app
from likeness.platform.uow import after_commit

_EXTENSION_KEY = "likeness.face_index"
_STATE_ID = 1


@dataclass
class FaceIndex:
    ids: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    matrix: NDArray[np.float32] = field(
        default_factory=lambda: np.empty((0, TEMPLATE_SIZE), np.float32)
    )
    sq_norms: NDArray[np.float32] = field(default_factory=lambda: np.empty(0, np.float32))
    version: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def replace(self, ids: list[int], templates: list[NDArray[np.float32]], version: int) -> None:
        matrix = (
            np.vstack(templates).astype(np.float32)
            if templates
            else np.empty((0, TEMPLATE_SIZE), np.float32)
        )
        self.ids = np.asarray(ids, dtype=np.int64)
        self.matrix = np.ascontiguousarray(matrix)
        self.sq_norms = np.einsum("ij,ij->i", self.matrix, self.matrix)
        self.version = version

    def add(self, ids: list[int], templates: list[NDArray[np.float32]]) -> None:
        if not ids:
            return
        new = np.vstack(templates).astype(np.float32)
        self.ids = np.concatenate([self.ids, np.asarray(ids, np.int64)])
        self.matrix = np.ascontiguousarray(np.vstack([self.matrix, new]))
        self.sq_norms = np.concatenate([self.sq_norms, np.einsum("ij,ij->i", new, new)])

    def remove(self, ids: list[int]) -> None:
        if not ids or not len(self):
            return
        keep = ~np.isin(self.ids, np.asarray(ids, np.int64))
        self.ids = self.ids[keep]
        self.matrix = self.matrix[keep]
        self.sq_norms = self.sq_norms[keep]

    def search(
        self, query: NDArray[np.floating], k: int | None, max_distance: float
    ) -> list[tuple[int, float]]:
        """Face ids within `max_distance` of `query`, nearest first, at most `k` (None:
        all of them)."""
        if not len(self):
            return []
        q = np.asarray(query, dtype=np.float32)
        squared = self.sq_norms - 2.0 * (self.matrix @ q) + float(q @ q)
        np.maximum(squared, 0.0, out=squared)  # rounding can make a zero slightly negative
        within = np.flatnonzero(squared <= max_distance * max_distance)
        if k is not None and within.size > k:
            within = within[np.argpartition(squared[within], k - 1)[:k]]
        order = within[np.argsort(squared[within], kind="stable")]
        return [(int(self.ids[i]), float(np.sqrt(squared[i]))) for i in order]


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


def current_index() -> tuple[FaceIndex, bool]:
    """The index, rebuilt first if the stored templates changed; (index, rebuilt)."""
    index = _index()
    version = stored_version()
    with index.lock:
        if index.version == version:
            return index, False
        rows = db.session.execute(
            select(Face.id, Face.template_ciphertext, Face.template_key_version).where(
                Face.template_ciphertext.is_not(None)
            )
        ).all()
        ring = keyring()
        ids = [row.id for row in rows]
        templates = [ring.decrypt(row[1], row[2], row.id) for row in rows]
        index.replace(ids, templates, version)
        return index, True


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
    index = _index()
    with index.lock:
        if index.version != version - 1:
            return
        index.remove(list(removed or []))
        if added:
            index.add(list(added), list(added.values()))
        index.version = version
