"""The numeric core of exact face search at a million templates.

`TemplateMatrix.within(query, t)` returns every stored template whose Euclidean
distance to `query` is at most `t`, nearest first, without a cap on how many. It is
exact: the answer is the set a full float32 scan gives (distances between the float32
template and the float32 query, evaluated in float64), never a subset.

How, and why it is safe
-----------------------
Each template `e` (128 float32 components) is also kept as an int8 code
`c = clip(round(e / d), -127, 127)` with one fixed step `d = value_range / 127`. The
code stands for the point `d*c`; its error `r(e) = |e - d*c|` is computed exactly
(float64) when the row is stored. The query `q` is coded the same way, error `r(q)`.

By the triangle inequality, `|d*c_e - d*c_q| <= r(e) + |e - q| + r(q)`. So every template
with `|e - q| <= t` satisfies

    |c_e - c_q|^2 <= ((t + R + r(q)) / d)^2          (R: the largest r(e) stored)

The scan tests exactly this, in integers (no rounding: see `_kernels`), over every
row, in one pass over the whole codes. Every row that passes is a candidate, and
candidates are re-ranked with the exact distance from the float32 templates, keeping
those within `t`. Nothing within `t` can fail the test, so nothing within `t` is
missed; the margin only admits a few extra candidates (R + r(q) is about 0.03 for
`value_range` 0.5: step 0.0039, at most 0.5 * step per component). A template with a
component beyond +-`value_range` is clipped, so its error would be large; such rows
are not counted in R but kept on a short list that every search re-ranks exactly, so
one odd template never widens the margin for all.

Cost and memory
---------------
Per face: 128 B of codes + 512 B float32 template (for the exact re-rank) + 4 B of
code norm + 8 B id = 652 B, so 652 MB per million. A search streams the 128 MB of
codes on all cores, in about 1.5x the time a plain sum over those bytes takes: a few
milliseconds per million faces. `within_many` shares each pass over the
codes between up to 16 queries.

Loading streams: `reserve(n)` allocates the final arrays once and `append` fills them
batch by batch, so peak memory is the final structure plus one batch.

Threads: every method holds `self.lock`. A search already uses every core (numba's
thread pool), so searches from several threads simply run one after another.
"""

from __future__ import annotations

import math
import threading
from types import ModuleType
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

DIMENSIONS = 128
BYTES_PER_FACE = DIMENSIONS + 4 * DIMENSIONS + 4 + 8
_BATCH_QUERIES = 16
# Float64 slack on the integer limit: the margin is derived in real numbers, and this
# keeps rounding in computing it from ever tightening it.
_SLACK = 1e-9

Ids = NDArray[np.int64]
Distances = NDArray[np.float64]


def _kernels() -> ModuleType:
    # numba is imported (and the kernels compiled or loaded from its cache) on first use.
    from likeness.faces import _kernels

    return _kernels


def preload() -> None:
    """Import numba and load (or, the first time on a machine, compile: ~1.5 s) the scan
    kernels now, at worker start, rather than inside the first search."""
    matrix = TemplateMatrix()
    matrix.append([0], np.zeros((1, DIMENSIONS), np.float32))
    matrix.within(np.zeros(DIMENSIONS, np.float32), 0.6)


class TemplateMatrix:
    """Every stored template of a process, for exact threshold search (see module)."""

    def __init__(self, *, value_range: float = 0.5) -> None:
        if not value_range > 0:
            raise ValueError("value_range must be positive")
        self.step = value_range / 127
        self.lock = threading.RLock()
        self._rows = 0
        self._ids = np.empty(0, np.int64)
        self._templates = np.empty((0, DIMENSIONS), np.float32)
        self._codes = np.empty((0, DIMENSIONS), np.int8)
        self._norms = np.empty(0, np.int32)
        self._max_error = 0.0  # R: largest coding error among rows not on the list below
        self._loose = np.empty(0, np.int64)  # rows with clipped components
        self._hits = np.empty(0, np.int32)  # see `_hit_buffer`

    def __len__(self) -> int:
        return self._rows

    @property
    def capacity(self) -> int:
        return int(self._ids.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes allocated for `capacity` rows."""
        return self.capacity * BYTES_PER_FACE

    @property
    def ids(self) -> Ids:
        """The stored ids, in storage order (a copy)."""
        return self._ids[: self._rows].copy()

    @property
    def codes(self) -> NDArray[np.int8]:
        """The int8 codes of the stored rows: the bytes every search reads (a view, for
        measuring the scan against reading them)."""
        return self._codes[: self._rows]

    # --- loading and changes -----------------------------------------------------

    def reserve(self, rows: int) -> None:
        """Make room for `rows` templates in total, so appends up to that never copy."""
        with self.lock:
            if rows > self.capacity:
                self._resize(rows)

    def append(self, ids: ArrayLike, templates: ArrayLike) -> None:
        """Add templates (a `k x 128` array) under `ids` (unique, not already stored:
        the caller's face ids)."""
        new_ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        batch = np.asarray(templates, dtype=np.float32).reshape(-1, DIMENSIONS)
        if new_ids.shape[0] != batch.shape[0]:
            raise ValueError("one id per template")
        if not np.isfinite(batch).all():
            raise ValueError("templates must be finite")
        with self.lock:
            start, end = self._rows, self._rows + batch.shape[0]
            if end > self.capacity:
                self._resize(max(end, math.ceil(self.capacity * 1.5)))
            codes, errors = self._code(batch)
            wide = np.abs(batch).max(axis=1, initial=0.0) > 127 * self.step
            self._ids[start:end] = new_ids
            self._templates[start:end] = batch
            self._codes[start:end] = codes
            self._norms[start:end] = (codes.astype(np.int32) ** 2).sum(axis=1)
            if wide.any():
                self._loose = np.concatenate([self._loose, start + np.flatnonzero(wide)])
            if (~wide).any():
                self._max_error = max(self._max_error, float(errors[~wide].max()))
            self._rows = end

    def remove(self, ids: ArrayLike) -> int:
        """Drop the templates stored under `ids` (unknown ids are ignored); returns how
        many were dropped. Rows from the end fill the gaps: no copy of the matrix."""
        gone = np.asarray(ids, dtype=np.int64).reshape(-1)
        with self.lock:
            rows = self._rows
            positions = np.flatnonzero(np.isin(self._ids[:rows], gone))
            if positions.size == 0:
                return 0
            remaining = rows - positions.size
            holes = positions[positions < remaining]
            movers = np.setdiff1d(np.arange(remaining, rows), positions, assume_unique=True)
            for array in (self._ids, self._templates, self._codes, self._norms):
                array[holes] = array[movers]
            if self._loose.size:
                moved = dict(zip(movers.tolist(), holes.tolist(), strict=True))
                kept = self._loose[~np.isin(self._loose, positions)]
                self._loose = np.array([moved.get(r, r) for r in kept.tolist()], np.int64)
            self._rows = remaining
            return int(positions.size)

    # --- search ------------------------------------------------------------------

    def within(self, query: ArrayLike, max_distance: float) -> tuple[Ids, Distances]:
        """Ids and distances of every template within `max_distance` of `query`,
        nearest first (ties by id). Exact, and not capped."""
        return self.within_many(np.asarray(query).reshape(1, DIMENSIONS), max_distance)[0]

    def within_many(
        self, queries: ArrayLike, max_distance: float
    ) -> list[tuple[Ids, Distances]]:
        """`within` for each row of `queries` (a `g x 128` array), sharing the scans."""
        batch = np.asarray(queries, dtype=np.float32).reshape(-1, DIMENSIONS)
        if not np.isfinite(batch).all():
            raise ValueError("queries must be finite")
        if max_distance < 0:
            return [(np.empty(0, np.int64), np.empty(0)) for _ in batch]
        results: list[tuple[Ids, Distances]] = []
        with self.lock:
            for start in range(0, batch.shape[0], _BATCH_QUERIES):
                results += self._within(batch[start:start + _BATCH_QUERIES], max_distance)
        return results

    def _within(self, batch: NDArray[np.float32], t: float) -> list[tuple[Ids, Distances]]:
        rows = self._rows
        if rows == 0:
            return [(np.empty(0, np.int64), np.empty(0)) for _ in batch]
        kernels = _kernels()
        codes, errors = self._code(batch)
        reach = (t + self._max_error + errors) / self.step
        limits = np.floor(reach * reach * (1 + _SLACK)).astype(np.int64) + 1
        blocks = -(-rows // kernels.BLOCK)
        out = self._hit_buffer(batch.shape[0], rows)
        counts = np.zeros((batch.shape[0], blocks), np.int32)
        kernels.scan(self._codes, self._norms, rows, codes, limits, out, counts)
        results = []
        for k, query in enumerate(batch):
            candidates = kernels.gather(out, counts, k)
            if self._loose.size:
                candidates = np.union1d(candidates, self._loose)
            results.append(self._rerank(candidates, query, t))
        return results

    def _hit_buffer(self, queries: int, rows: int) -> NDArray[np.int32]:
        """Where `scan` writes hit rows: (queries, rows), of which it touches only the first
        entries of each block. A fresh 4 MB array per query at a million faces cost
        ~1.8 ms (a page fault per block, then unmapping it on every core): a single query,
        the common case, reuses one buffer (resident: the few pages that held hits)."""
        if queries > 1:
            return np.empty((queries, rows), np.int32)
        if self._hits.shape[0] < rows:
            self._hits = np.empty(max(rows, self.capacity), np.int32)
        return self._hits[:rows].reshape(1, rows)

    def _rerank(self, rows: Ids, query: NDArray[np.float32], t: float) -> tuple[Ids, Distances]:
        """The exact distances of `rows` to `query`; those within `t`, nearest first."""
        difference = self._templates[rows].astype(np.float64) - query.astype(np.float64)
        distances = np.sqrt(np.einsum("ij,ij->i", difference, difference))
        keep = distances <= t
        ids, distances = self._ids[rows[keep]], distances[keep]
        order = np.lexsort((ids, distances))
        return ids[order], distances[order]

    # --- internals ---------------------------------------------------------------

    def _code(self, batch: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
        """int8 codes of `batch` and each row's exact coding error |e - step * code|."""
        scaled = batch.astype(np.float64) / self.step
        codes = np.clip(np.rint(scaled), -127, 127).astype(np.int8)
        residual = batch.astype(np.float64) - codes * self.step
        return codes, np.sqrt(np.einsum("ij,ij->i", residual, residual))

    def _resize(self, capacity: int) -> None:
        rows = self._rows
        self._ids = _grown(self._ids, capacity, rows)
        self._templates = _grown(self._templates, capacity, rows)
        self._codes = _grown(self._codes, capacity, rows)
        self._norms = _grown(self._norms, capacity, rows)


_Array = TypeVar("_Array", bound=NDArray[Any])


def _grown(array: _Array, capacity: int, rows: int) -> _Array:
    """A `capacity`-row copy of `array` holding its first `rows` rows."""
    bigger = np.empty((capacity, *array.shape[1:]), array.dtype)
    bigger[:rows] = array[:rows]
    return cast(_Array, bigger)
