from __future__ import annotations

from rq import SimpleWorker

from likeness.queue import get_queue, get_redis


def run_jobs() -> None:
    """Run every queued job, as a worker would."""
    SimpleWorker([get_queue()], connection=get_redis()).work(burst=True)
