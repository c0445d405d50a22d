"""Compiled scan kernel for `likeness.faces.matrix` (numba, all cores).

Imported only by `matrix` on first search: importing numba and compiling (or loading
the compiled code from numba's on-disk cache) takes about a second.

Exactness: all arithmetic is on integers. Codes are int8 in [-127, 127]: a product is
at most 127 * 127 = 16,129 (fits int16), a dot product over 128 components at most
128 * 16,129 = 2,064,512, and a squared code distance at most 4 times that (fits
int32), so nothing overflows and nothing rounds. The int16 products and int32 sums
are spelled out so that LLVM emits the SIMD multiply-add instructions (vpmaddwd /
vpdpwssd) for them.

One pass over whole rows, not a first pass over half of each row and a second over the
other half of the rows still in reach: on realistic templates 5-55 % of rows pass the
first half (a partial sum is a weak bound when every face shares a large common part),
and fetching their second halves out of order cost more than the first pass itself.
Reading the whole 128 bytes of every row in order is a stream the prefetcher keeps
up with: measured 1.0-1.5x the time a plain sum over the same bytes takes, against
3-4x for the two passes (`bench/search.py` prints this ratio).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

BLOCK = 2048  # rows per parallel task: 256 KiB of codes, stays in L2 across a batch's queries
DIMENSIONS = 128
# Larger than any squared code distance (4 * 128 * 127^2 < 2^23): a limit above it keeps all.
_ALL = 2**31 - 1


@njit(parallel=True, boundscheck=False, cache=True, nogil=True)
def scan(
    codes: np.ndarray,  # (capacity, 128) int8
    norms: np.ndarray,  # (capacity,) int32: squared norm of each code row
    rows: int,  # rows in use
    queries: np.ndarray,  # (g, 128) int8: the quantised queries
    limits: np.ndarray,  # (g,) int64: keep a row when |code - query code|^2 <= limit
    out: np.ndarray,  # (g, rows) int32: hit rows, written per block from its start
    counts: np.ndarray,  # (g, blocks) int32: hits per block
) -> None:
    """For each query, the rows whose code lies within sqrt(limit) of the query's code.

    Branch-free: the row is written, the count moves on only if it qualifies.
    """
    blocks = (rows + BLOCK - 1) // BLOCK
    g = queries.shape[0]
    q16 = queries.astype(np.int16)
    for block in prange(blocks):
        start = block * BLOCK
        end = min(rows, start + BLOCK)
        for k in range(g):
            qn = np.int32(0)
            for j in range(DIMENSIONS):
                qn += np.int32(q16[k, j]) * q16[k, j]
            limit = np.int32(min(limits[k], _ALL))
            found = 0
            for i in range(start, end):
                dot = np.int32(0)
                for j in range(DIMENSIONS):
                    dot = np.int32(dot + np.int32(np.int16(codes[i, j]) * q16[k, j]))
                out[k, start + found] = i
                found += norms[i] - 2 * dot + qn <= limit
            counts[k, block] = found


@njit(cache=True, nogil=True)
def gather(out: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Query `k`'s hit rows from `scan`'s per-block output, in row order."""
    total = 0
    for block in range(counts.shape[1]):
        total += counts[k, block]
    hits = np.empty(total, np.int64)
    position = 0
    for block in range(counts.shape[1]):
        start = block * BLOCK
        for i in range(counts[k, block]):
            hits[position] = out[k, start + i]
            position += 1
    return hits
