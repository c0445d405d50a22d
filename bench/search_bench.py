"""Face search speed: our exact index against face_recognition.face_distance.

Both answer the same question over the same N templates: which faces lie within
the threshold of a query. The baseline is what a plain face_recognition program
does (float64 distances to every known face); ours keeps a float32 matrix with
precomputed squared norms. Prints medians and the ratio, measured in this run.

    .venv/bin/python bench/search_bench.py [N] [QUERIES]
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, ".")
from likeness.faces.index import FaceIndex  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    rng = np.random.default_rng(7)
    # Real templates are unit-ish vectors with components around +-0.1.
    known = rng.normal(0, 0.09, size=(n, 128)).astype(np.float32)
    probes = known[rng.choice(n, queries, replace=False)] + rng.normal(0, 0.02, (queries, 128))

    index = FaceIndex()
    index.replace(list(range(n)), list(known), version=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    known64 = known.astype(np.float64)  # what face_encodings returns

    ours, base = [], []
    agree = True
    for probe in probes:
        start = time.perf_counter()
        hits = index.search(probe, k=n, max_distance=0.6)
        ours.append(time.perf_counter() - start)

        start = time.perf_counter()
        distances = face_recognition.face_distance(known64, probe)
        expected = np.flatnonzero(distances <= 0.6)
        base.append(time.perf_counter() - start)
        agree &= {i for i, _ in hits} == set(expected.tolist())

    ours_ms, base_ms = statistics.median(ours) * 1e3, statistics.median(base) * 1e3
    print(f"templates: {n}, queries: {queries}")
    print(f"face_recognition.face_distance (baseline): {base_ms:8.2f} ms per query")
    print(f"likeness FaceIndex.search:                  {ours_ms:8.2f} ms per query")
    print(f"speed-up: {base_ms / ours_ms:.1f}x   same results: {agree}")


if __name__ == "__main__":
    main()
