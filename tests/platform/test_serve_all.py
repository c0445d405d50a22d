"""`make run`'s last step: web app + worker on the embedded Redis, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from likeness.app import create_app
from likeness.extensions import db
from likeness.platform import embedded_redis
from tests.support.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _flask(*args: str, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, **kwargs)


def _run_here(instance: Path, monkeypatch: pytest.MonkeyPatch, *commands: list[str]) -> None:
    """Set-up steps (`flask db upgrade`, `flask ensure-admin`) for the instance folder the
    commands under test use: the same commands on the same configuration (the same
    environment), run in this process. A `flask` process for each would import the whole
    app again, seconds of CPU each, and prove nothing these tests are about."""
    with monkeypatch.context() as env:
        for name, value in _cli_env(instance).items():
            env.setenv(name, value)
        for name in ("DATABASE_URL", "REDIS_URL"):
            env.delenv(name, raising=False)
        app = create_app()
    with app.app_context():  # as `flask` gives every command
        try:
            for command in commands:
                result = app.test_cli_runner().invoke(args=command)
                assert result.exit_code == 0, result.output
        finally:
            db.engine.dispose()


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except OSError:
        return None  # not listening yet


def test_serve_all_answers_on_the_embedded_default_and_stops_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    instance = tmp_path / "instance"
    _run_here(instance, monkeypatch, ["db", "upgrade"], ["ensure-admin"])
    port = free_port()
    server = _flask("serve-all", "--port", str(port), env=_cli_env(instance),
                    start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True)
    try:
        statuses: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(statuses) < 2:
            for path in ("/", "/admin/login"):
                status = _get(f"http://127.0.0.1:{port}{path}")
                if status is not None:
                    statuses[path] = status
            if len(statuses) < 2:
                time.sleep(0.05)  # the web process is still starting
        assert statuses == {"/": 200, "/admin/login": 200}
        sock = embedded_redis.socket_path(instance)
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


def test_a_command_that_starts_the_embedded_redis_stops_it_when_it_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    instance = tmp_path / "instance"
    _run_here(instance, monkeypatch, ["db", "upgrade"])
    assert _redis_servers_for(instance) == []  # the migration needed no queue
    done = subprocess.run([sys.executable, "-m", "flask", "outbox-sweep"], cwd=ROOT,
                          env=_cli_env(instance),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "handed to the queue" in done.stdout  # it did talk to Redis
    assert (instance / "redis.log").exists()  # so the embedded server ran
    assert _redis_servers_for(instance) == []
