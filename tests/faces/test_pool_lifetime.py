"""Detection workers never outlive the process that started them: a worker whose parent
was SIGKILLed (as a supervisor or the OOM killer does) would otherwise hold the dlib
models in memory for good."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import time
from likeness.faces.workers import DetectionPool
pool = DetectionPool(1)
print(pool.pids[0], flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(
        f"/proc/{pid}/stat").exists() else "X"
    return state not in {"Z", "X"}


def test_a_pool_worker_leaves_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        for _ in range(100):  # bounded: at most 20 s
            if not _alive(worker):
                break
            time.sleep(0.2)
        assert not _alive(worker), "the detection worker outlived its parent"
    finally:
        parent.kill()
