"""`make run`'s last step: web app + worker on the embedded Redis, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from likeness.platform import embedded_redis
from tests.support.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _flask(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, **kwargs)


def test_serve_all_answers_on_the_embedded_default_and_stops_cleanly(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(FLASK_APP="wsgi:app", LIKENESS_INSTANCE=str(tmp_path / "instance"))
    for step in (["db", "upgrade"], ["ensure-admin"]):
        done = subprocess.run([sys.executable, "-m", "flask", *step], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    port = free_port()
    server = _flask("serve-all", "--port", str(port), env=env, start_new_session=True,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        statuses = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(statuses) < 2:
            for path in ("/", "/admin/login"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:  # noqa: S310
                        statuses[path] = response.status
                except OSError:
                    time.sleep(0.3)
        assert statuses == {"/": 200, "/admin/login": 200}
        sock = embedded_redis.socket_path(tmp_path / "instance")
        assert embedded_redis.is_running(sock)
    finally:
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "Stopped." in output
    assert not embedded_redis.is_running(sock)


def _redis_servers_for(instance: Path) -> list[int]:
    """Pids of redis-server processes serving this instance folder's socket."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"redis-server" in cmdline and str(instance).encode() in cmdline:
            found.append(int(proc.name))
    return found


def _cli_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(FLASK_APP="wsgi:app", LIKENESS_INSTANCE=str(instance))
    return env


def test_a_command_that_needs_no_queue_starts_no_redis(tmp_path: Path):
    instance = tmp_path / "instance"
    done = subprocess.run([sys.executable, "-m", "flask", "deadline", "2026-03-27T10:00:00Z"],
                          cwd=ROOT, env=_cli_env(instance), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "due:      2026-04-28" in done.stdout
    assert _redis_servers_for(instance) == []
    assert not embedded_redis.socket_path(instance).exists()


def test_a_command_that_starts_the_embedded_redis_stops_it_when_it_exits(tmp_path: Path):
    instance = tmp_path / "instance"
    env = _cli_env(instance)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    done = subprocess.run([sys.executable, "-m", "flask", "outbox-sweep"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "handed to the queue" in done.stdout  # it did talk to Redis
    assert (instance / "redis.log").exists()  # so the embedded server ran
    assert _redis_servers_for(instance) == []
