"""Loading the search index: N encrypted templates from the database into memory.

A fresh SQLite database (migrated, in a temporary folder) gets N faces whose templates
are encrypted as Likeness stores them (AES-256-GCM, the face id as associated data).
Then, in this one process, alternating:

- baseline: the first round's loader: fetch every row, decrypt each into a list of
  arrays, stack them into one float32 matrix;
- ours: `likeness.faces.index._load_all`: count, reserve the final TemplateMatrix once,
  stream rows in batches of 10,000 and decrypt each batch straight into it.

Prints the median load time of each and their ratio, and the peak memory traced while
loading (tracemalloc: numpy, SQLAlchemy and Python objects) against the final index.

    .venv/bin/python bench/index_load.py [N] [--rounds R]      (default N 1000000, R 3)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from likeness.app import create_app  # noqa: E402
from likeness.extensions import db  # noqa: E402
from likeness.faces import index  # noqa: E402
from likeness.faces.crypto import keyring  # noqa: E402
from likeness.models import Asset, Face  # noqa: E402

FACES_PER_ASSET = 10


def fill(n: int) -> None:
    """N faces with encrypted synthetic templates, in batches."""
    rng = np.random.default_rng(1)
    ring = keyring()
    assets = [{"id": i + 1, "sha256": f"{i:064x}", "original_filename": f"{i}.jpg",
               "image_format": "JPEG", "width": 6000, "height": 4000, "byte_size": 1,
               "status": "indexed"} for i in range(-(-n // FACES_PER_ASSET))]
    db.session.execute(insert(Asset), assets)
    for start in range(0, n, 50_000):
        count = min(50_000, n - start)
        templates = rng.normal(0, 0.09, (count, 128)).astype(np.float32)
        rows = []
        for offset in range(count):
            face_id = start + offset + 1
            blob, version = ring.encrypt(templates[offset], face_id)
            rows.append({"id": face_id, "asset_id": (face_id - 1) // FACES_PER_ASSET + 1,
                         "top": 0, "right": 80, "bottom": 80, "left": 0,
                         "template_ciphertext": blob, "template_key_version": version})
        db.session.execute(insert(Face), rows)
    db.session.commit()


def baseline_load() -> tuple[np.ndarray, np.ndarray]:
    """The first round's loader: every row, a list of decrypted arrays, one vstack."""
    rows = db.session.execute(
        select(Face.id, Face.template_ciphertext, Face.template_key_version)
        .where(Face.template_ciphertext.is_not(None))).all()
    ring = keyring()
    ids = [row.id for row in rows]
    templates = [ring.decrypt(row[1], row[2], row.id) for row in rows]
    matrix = np.ascontiguousarray(np.vstack(templates).astype(np.float32))
    return np.asarray(ids, np.int64), matrix


def timed(load: Callable[[], object]) -> tuple[float, object]:
    db.session.remove()
    began = time.perf_counter()
    result = load()
    seconds = time.perf_counter() - began
    db.session.remove()
    return seconds, result


def traced_peak(load: Callable[[], object]) -> int:
    """Peak traced memory while loading (a separate run: tracing slows allocation)."""
    db.session.remove()
    tracemalloc.start()
    result = load()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    db.session.remove()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": f"{folder}/instance",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                          "FACE_KEY_FILE": f"{folder}/face-keys.json"})
        with app.app_context():
            upgrade()
            began = time.perf_counter()
            fill(args.n)
            print(f"{args.n:,} encrypted templates stored in {time.perf_counter() - began:.1f} s")
            loaders = {"baseline": baseline_load, "ours": index._load_all}
            index._load_all()  # numba's kernels are loaded once per process, not timed
            times: dict[str, list[float]] = {"baseline": [], "ours": []}
            final = 0
            for round_ in range(args.rounds):
                order = ["baseline", "ours"] if round_ % 2 == 0 else ["ours", "baseline"]
                for name in order:
                    seconds, result = timed(loaders[name])
                    times[name].append(seconds)
                    if name == "ours":
                        final = result.nbytes  # type: ignore[attr-defined]
                    del result
            peaks = {name: traced_peak(load) for name, load in loaders.items()}
            b, o = statistics.median(times["baseline"]), statistics.median(times["ours"])
            mb = 1024 * 1024
            for name, label, median in (("baseline", "baseline (list, then vstack)", b),
                                        ("ours", "likeness (streamed batches)", o)):
                print(f"  {label:30} {median:6.2f} s   peak {peaks[name] / mb:7.0f} MB "
                      f"({peaks[name] / final:.2f}x the final index)")
            print(f"  final index {final / mb:.0f} MB "
                  f"({final // max(args.n, 1)} bytes per face)")
            print(f"  load time ratio baseline/likeness: {b / o:.2f}x")


if __name__ == "__main__":
    main()
