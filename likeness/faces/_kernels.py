"""Compiled scan kernels for `likeness.faces.matrix` (numba, all cores).

Imported only by `matrix` on first search: importing numba and compiling (or loading
the compiled code from numba's on-disk cache) takes about a second.

Exactness: all arithmetic is on integers. Codes are int8 in [-127, 127]: a product is
at most 127 * 127 = 16,129 (fits int16) and a dot product over 64 components at most
64 * 16,129 = 1,032,256 (fits int32), so nothing overflows and nothing rounds. The
int16 products and int32 sums are spelled out so that LLVM emits the SIMD
multiply-add instructions (vpmaddwd / vpdpwssd) for them: about 1.4x faster per core
than converting to float32.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

BLOCK = 4096  # rows per parallel task: 256 KiB of half-codes, stays in L2 across queries
HALF = 64  # components per half-code (the templates have 128)


@njit(parallel=True, boundscheck=False, cache=True, nogil=True)
def scan(
    codes_a: np.ndarray,  # (capacity, 64) int8: components 0-63 of each row
    codes_b: np.ndarray,  # (capacity, 64) int8: components 64-127
    norms_a: np.ndarray,  # (capacity,) int32: squared norm of codes_a rows
    norms_b: np.ndarray,  # (capacity,) int32
    rows: int,  # rows in use
    queries: np.ndarray,  # (g, 128) int8: the quantised queries
    limits: np.ndarray,  # (g,) int64: keep a row when |code - query code|^2 <= limit
    out: np.ndarray,  # (g, rows) int32: hit rows, written per block from its start
    counts: np.ndarray,  # (g, blocks) int32: hits per block
) -> None:
    """For each query, the rows whose code lies within sqrt(limit) of the query's code.

    Per block of rows: first the squared distance over the first half of the code for
    every row (a partial sum never exceeds the whole, so a row too far on its first
    half is too far), noting the rows still in reach; then the second half for those
    only. Both loops are branch-free (the row is written, the count moves on only if
    it qualifies): about a quarter of rows pass the first half on realistic templates,
    too many, and too irregular, for a branch to predict.
    """
    blocks = (rows + BLOCK - 1) // BLOCK
    g = queries.shape[0]
    q16 = queries.astype(np.int16)
    for block in prange(blocks):
        start = block * BLOCK
        end = min(rows, start + BLOCK)
        reach = np.empty(BLOCK, np.int32)
        partial = np.empty(BLOCK, np.int64)
        for k in range(g):
            qn_a = np.int64(0)
            qn_b = np.int64(0)
            for j in range(HALF):
                qn_a += np.int64(q16[k, j]) * q16[k, j]
                qn_b += np.int64(q16[k, HALF + j]) * q16[k, HALF + j]
            limit = limits[k]
            alive = 0
            for i in range(start, end):
                dot = np.int32(0)
                for j in range(HALF):
                    dot = np.int32(dot + np.int32(np.int16(codes_a[i, j]) * q16[k, j]))
                part = np.int64(norms_a[i]) - 2 * np.int64(dot) + qn_a
                reach[alive] = i
                partial[alive] = part
                alive += part <= limit
            found = 0
            for s in range(alive):
                i = reach[s]
                dot = np.int32(0)
                for j in range(HALF):
                    dot = np.int32(dot + np.int32(np.int16(codes_b[i, j]) * q16[k, HALF + j]))
                whole = partial[s] + np.int64(norms_b[i]) - 2 * np.int64(dot) + qn_b
                out[k, start + found] = i
                found += whole <= limit
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

