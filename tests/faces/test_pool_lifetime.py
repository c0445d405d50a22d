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
from typing import Any

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


# The parent is a script file: spawned workers import it too (as __mp_main__), so its
# top-level patch holds each worker in the middle of its preload until the gate opens.
PARENT_FILE = """
import os, time
from pathlib import Path
from typing import Any
from likeness.faces import engine

_real_preload = engine.preload


def _held_preload():
    Path(os.environ["WORKER_PID_FILE"]).write_text(str(os.getpid()))
    while not Path(os.environ["PRELOAD_GATE"]).exists():
        time.sleep(0.05)
    _real_preload()


engine.preload = _held_preload

if __name__ == "__main__":
    from likeness.faces.workers import DetectionPool
    DetectionPool(1)
    time.sleep(120)
"""


def test_a_worker_whose_parent_dies_during_its_preload_leaves(tmp_path: Path):
    script, pid_file, gate = tmp_path / "parent.py", tmp_path / "worker.pid", tmp_path / "go"
    script.write_text(PARENT_FILE)
    env = {**os.environ, "WORKER_PID_FILE": str(pid_file), "PRELOAD_GATE": str(gate),
           "PYTHONPATH": str(ROOT)}
    # (stderr: the killed parent's resource tracker reports its leftover semaphores.)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env,
                              stderr=subprocess.DEVNULL)
    worker = 0
    try:
        for _ in range(600):  # bounded: the worker starts within a minute
            if pid_file.exists() and pid_file.read_text():
                worker = int(pid_file.read_text())
                break
            time.sleep(0.1)
        assert worker and _alive(worker), "the worker never started its preload"
        parent.send_signal(signal.SIGKILL)  # the parent dies while the worker loads
        parent.wait(timeout=10)
        gate.write_text("go")  # the preload finishes, after its parent is gone
        for _ in range(150):  # bounded: at most 30 s
            if not _alive(worker):
                break
            time.sleep(0.2)
        assert not _alive(worker), "the worker outlived a parent that died during preload"
    finally:
        parent.kill()
        if worker and _alive(worker):
            os.kill(worker, signal.SIGKILL)


# `flask worker`, started from a script file whose top-level patch holds each spawned
# face worker in its preload (not the worker process itself: it runs as __main__). The
# worker itself skips loading the models and scan kernels before it starts them: this
# is about the face workers' start, and those loads only delay it.
WORKER_FILE = """
import os, sys, time
from pathlib import Path
from typing import Any

if __name__ != "__main__":
    from likeness.faces import engine

    _real_preload = engine.preload

    def _held_preload():
        Path(os.environ["WORKER_PID_DIR"], str(os.getpid())).write_text("loading")
        while not Path(os.environ["PRELOAD_GATE"]).exists():
            time.sleep(0.05)
        _real_preload()

    engine.preload = _held_preload

if __name__ == "__main__":
    import signal
    # Ctrl-C as in a terminal, even when the suite runs as a shell's background job
    # (which starts with SIGINT ignored, inherited by everything it starts).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import likeness.library.indexing, likeness.library.search
    from likeness.faces import engine, matrix
    from likeness.platform import worker
    worker._START_HOOKS[:] = [hook for hook in worker._START_HOOKS
                              if hook not in (engine.preload, matrix.preload)]

    from flask.cli import main
    sys.argv = ["flask", "worker"]
    main()
"""


def test_ctrl_c_while_the_face_workers_start_stops_the_worker_quietly(
    committed_app: Any, tmp_path: Path
):
    script, pids, gate = tmp_path / "worker.py", tmp_path / "pids", tmp_path / "go"
    script.write_text(WORKER_FILE)
    pids.mkdir()
    config = committed_app.config
    env = {**os.environ, "WORKER_PID_DIR": str(pids), "PRELOAD_GATE": str(gate),
           "PYTHONPATH": str(ROOT), "FLASK_APP": "wsgi:app", "LIKENESS_ENV": "testing",
           "LIKENESS_INSTANCE": config["INSTANCE_PATH"],
           "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": config["REDIS_URL"], "RQ_QUEUE": config["RQ_QUEUE"],
           "FACE_KEY_FILE": config["FACE_KEY_FILE"], "SECRET_KEY": config["SECRET_KEY"]}
    # Its own process group: Ctrl-C in a terminal signals the whole group.
    worker = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        for _ in range(600):  # bounded: the face workers start within a minute
            if any(pids.iterdir()):
                break
            time.sleep(0.1)
        assert any(pids.iterdir()), "the face workers never started"
        os.killpg(worker.pid, signal.SIGINT)  # Ctrl-C
        gate.write_text("go")
        _out, err = worker.communicate(timeout=120)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert worker.returncode != 0  # stopped, not finished
    face_workers = [int(p.name) for p in pids.iterdir()]
    for _ in range(100):  # bounded: at most 20 s
        if not any(_alive(pid) for pid in face_workers):
            break
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in face_workers)
