"""Is an RQ job really on its way? Used by the outbox sweep and by workers on start.

RQ notices a job whose worker died only after the job's heartbeat expires, and a job
popped by a worker killed before it registered the job as started is in no list at
all. On one host we can tell at once that a worker is gone: its pid no longer runs a
worker. Jobs on other hosts are left to RQ's own expiry.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import redis
from rq import SimpleWorker
from rq.job import JobStatus
from rq.queue import Queue

from likeness.platform.queue import fetch_job


def worker_alive(worker_name: str | None, connection: redis.Redis) -> bool:
    if not worker_name:
        return False
    worker = SimpleWorker.find_by_key(
        SimpleWorker.redis_worker_namespace_prefix + worker_name, connection=connection
    )
    if worker is None:
        return False
    if worker.hostname != socket.gethostname() or worker.pid is None:
        return True  # another host: trust RQ's heartbeat expiry
    if worker.pid == os.getpid():
        return False  # a dead worker's pid, reused by this very process
    return _runs_a_worker(worker.pid)


def _runs_a_worker(pid: int) -> bool:
    """True if `pid` is alive and (where /proc tells) still a Python process, so a pid
    reused by some other program does not pass for the dead worker."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return b"python" in cmdline.read_bytes() or b"flask" in cmdline.read_bytes()
    except OSError:
        return True  # no /proc here: the pid is alive, assume it is the worker


def job_state(job_id: str, queue: Queue, queued_ids: set[str]) -> str:
    """"ok" (waiting or running), "lost" (nobody will run it), or "done" (finished)."""
    job = fetch_job(job_id)
    if job is None:
        return "lost"
    status = job.get_status(refresh=False)
    if status in {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}:
        return "lost"
    if status == JobStatus.STARTED:
        return "ok" if worker_alive(job.worker_name, queue.connection) else "lost"
    if status in {JobStatus.QUEUED, None} and job_id not in queued_ids:
        return "lost"  # popped by a worker that died before it could start it
    if status == JobStatus.FINISHED:
        return "done"
    return "ok"
