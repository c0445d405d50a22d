"""Exact search past one machine: the index split into shards by template range.

Each shard is its own process holding only its range of face ids (here: the first and
the second half of the ids) in its own `TemplateMatrix`, as a search worker on another
machine would. The caller sends every query to all shards, each answers from its own
templates, and the caller merges: concatenate, order by (distance, id). Because each
shard's answer is exact (every template of its range within the threshold, with its
exact distance), the merged answer is exactly the single index's: the bench checks it
query by query, ids and distances alike.

Templates are the synthetic ones of `bench/search.py` (people with several photos each,
planted edge cases at 0.6 -+ 1e-3 and 1e-5). The shards share the machine's cores
(numba threads split between them); the single index uses all of them. Single and
sharded queries alternate which goes first, so both see the same load from other
processes. Prints per-shard p50 (time inside the shard), merged p50 (the caller's wall
time: send, both answers, merge) and the single index's p50, measured in the same run.

    .venv/bin/python bench/shards.py [--templates N] [--shards S] [--queries Q]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.search import THRESHOLD, load, templates  # noqa: E402
from likeness.faces.matrix import BYTES_PER_FACE, TemplateMatrix  # noqa: E402

Answer = tuple[np.ndarray, np.ndarray]


def shard_main(memory: str, rows: int, first: int, last: int, threads: int,
               pipe: Connection) -> None:
    """One shard: load ids `first`..`last - 1` from the shared templates, then answer
    queries from `pipe` until it closes: (ids, distances, seconds spent)."""
    import numba

    numba.set_num_threads(threads)
    block = SharedMemory(name=memory)
    known = np.ndarray((rows, 128), np.float32, buffer=block.buf)
    matrix = TemplateMatrix()
    matrix.reserve(last - first)
    for start in range(first, last, 10_000):
        stop = min(last, start + 10_000)
        matrix.append(np.arange(start, stop), known[start:stop])
    del known
    block.close()
    matrix.within(np.zeros(128, np.float32), THRESHOLD)  # load the kernels, untimed
    pipe.send(len(matrix))
    while True:
        try:
            query = pipe.recv()
        except EOFError:
            return
        t0 = time.perf_counter()
        ids, distances = matrix.within(query, THRESHOLD)
        pipe.send((ids, distances, time.perf_counter() - t0))


def merged(answers: list[Answer]) -> Answer:
    """The shards' answers as one: nearest first, ties by id (as `within` orders)."""
    ids = np.concatenate([a[0] for a in answers])
    distances = np.concatenate([a[1] for a in answers])
    order = np.lexsort((ids, distances))
    return ids[order], distances[order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    n, count = args.templates, args.shards
    known, probes = templates(n, args.queries, seed=n)
    single = load(known)
    single.within(probes[0], THRESHOLD)  # load the kernels, untimed

    memory = SharedMemory(create=True, size=known.nbytes)
    np.ndarray(known.shape, np.float32, buffer=memory.buf)[...] = known
    threads = max(1, (os.cpu_count() or 1) // count)
    bounds = [round(n * i / count) for i in range(count + 1)]
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    try:
        for first, last in zip(bounds, bounds[1:], strict=False):
            mine, theirs = context.Pipe()
            process = context.Process(target=shard_main, args=(
                memory.name, n, first, last, threads, theirs))
            process.start()
            theirs.close()
            pipes.append(mine)
            processes.append(process)
        sizes = [pipe.recv() for pipe in pipes]
        ranges = ", ".join(f"{a:,}-{b - 1:,}" for a, b in zip(bounds, bounds[1:], strict=False))
        print(f"{n:,} templates in {count} shards of {', '.join(f'{s:,}' for s in sizes)} "
              f"(template ranges {ranges}), {threads} numba thread(s) each; "
              f"single index on {os.cpu_count()} threads")
        single_s: list[float] = []
        merged_s: list[float] = []
        shard_s: list[list[float]] = [[] for _ in range(count)]
        equal = hits = 0
        for position, probe in enumerate(probes):
            order = ("single", "shards") if position % 2 else ("shards", "single")
            for side in order:
                t0 = time.perf_counter()
                if side == "single":
                    expected = single.within(probe, THRESHOLD)
                    single_s.append(time.perf_counter() - t0)
                    continue
                for pipe in pipes:
                    pipe.send(probe)
                replies = [pipe.recv() for pipe in pipes]
                answer = merged([(r[0], r[1]) for r in replies])
                merged_s.append(time.perf_counter() - t0)
                for index, reply in enumerate(replies):
                    shard_s[index].append(reply[2])
            hits += len(expected[0])
            equal += (np.array_equal(answer[0], expected[0])
                      and np.array_equal(answer[1], expected[1]))
    finally:
        for pipe in pipes:
            pipe.close()
        for process in processes:
            process.join(timeout=30)
        memory.close()
        memory.unlink()

    def p50(values: list[float]) -> float:
        return statistics.median(values) * 1e3

    for index, values in enumerate(shard_s):
        print(f"  shard {index + 1} (its own {sizes[index]:,} templates): "
              f"p50 {p50(values):6.2f} ms")
    print(f"  merged answer (caller: send, {count} answers, merge): p50 {p50(merged_s):6.2f} ms")
    print(f"  single index of all {n:,}:                       p50 {p50(single_s):6.2f} ms"
          f"   merged / single {p50(merged_s) / p50(single_s):.2f}x")
    print(f"  merged answer == single index's answer (ids and distances): "
          f"{equal} of {len(probes)} queries ({hits} matches in all)")
    print(f"  memory: {BYTES_PER_FACE} B per face: {n * BYTES_PER_FACE / 2**20:.0f} MiB in all, "
          f"{max(sizes) * BYTES_PER_FACE / 2**20:.0f} MiB in the largest shard")
    if equal != len(probes):
        raise SystemExit("the merged answer differs from the single index's")


if __name__ == "__main__":
    main()
