"""exiftool, kept running: one `-stay_open` process per process that handles photos.

Starting exiftool costs about half a second (Perl and its tag tables); a process that
stays open answers a read in milliseconds. Arguments go to it one per line on its
standard input, never through a shell, and only ever name files we created ourselves.
Answers are JSON. A process that died, or did not answer in time, is killed and a new
one started for the next call; a process inherited across `fork` is never used (its
pipes are shared with the parent), the child starts its own. exiftool does not notice
when its parent goes away, so it is stopped at interpreter exit (a process killed with
SIGKILL leaves its exiftool behind, idle, until the machine restarts it).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import threading
import time
from typing import Any

TIMEOUT_SECONDS = 30.0
# Never pass `-q`: it silences the "{ready}" line that ends every answer.
_READY = b"{ready}"


class ExifToolError(RuntimeError):
    """exiftool is missing, died, or did not answer."""


class _Process:
    def __init__(self) -> None:
        binary = shutil.which("exiftool")
        if binary is None:
            raise ExifToolError("exiftool is not installed (Debian: libimage-exiftool-perl)")
        self.pid_of_owner = os.getpid()
        self.popen = subprocess.Popen(  # noqa: S603 (fixed binary, arguments over stdin)
            [binary, "-stay_open", "True", "-@", "-", "-common_args", "-charset",
             "filename=utf8"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )

    def alive(self) -> bool:
        return self.popen.poll() is None and self.pid_of_owner == os.getpid()

    def run(self, args: list[str]) -> bytes:
        if self.popen.stdin is None or self.popen.stdout is None:
            raise ExifToolError("exiftool has no pipes")
        for arg in args:
            if "\n" in arg or "\r" in arg:
                raise ExifToolError("an argument with a line break")
        self.popen.stdin.write(("\n".join([*args, "-execute", ""])).encode())
        self.popen.stdin.flush()
        out = bytearray()
        deadline = time.monotonic() + TIMEOUT_SECONDS
        fd = self.popen.stdout.fileno()
        while not out.rstrip().endswith(_READY):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExifToolError("exiftool did not answer in time")
            readable, _w, _x = select.select([fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ExifToolError("exiftool stopped")
            out.extend(chunk)
        return bytes(out.rstrip()[: -len(_READY)])

    def close(self) -> None:
        if self.pid_of_owner != os.getpid():
            return  # the parent's process: not ours to stop
        try:
            if self.popen.stdin is None:
                raise ValueError("no pipe")
            self.popen.stdin.write(b"-stay_open\nFalse\n")
            self.popen.stdin.flush()
            self.popen.wait(timeout=5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.popen.kill()
            self.popen.wait()


_process: _Process | None = None
_lock = threading.Lock()


def run(args: list[str]) -> bytes:
    """Run one exiftool command (its arguments, without `-execute`); its standard output.

    Restarts the process once if it had died; raises ExifToolError if that fails too."""
    global _process
    with _lock:
        for attempt in (1, 2):
            if _process is None or not _process.alive():
                _process = _Process()
                _stop_at_exit()
            try:
                return _process.run(args)
            except (ExifToolError, OSError) as exc:
                _kill(_process)
                _process = None
                if attempt == 2:
                    raise ExifToolError(str(exc)) from exc
    raise ExifToolError("unreachable")  # pragma: no cover


def read_json(path: str, tags: list[str]) -> dict[str, Any]:
    """The tags of one file as exiftool's structured, numeric JSON (`-j -struct -n`)."""
    out = run(["-j", "-struct", "-n", *(f"-{tag}" for tag in tags), path])
    try:
        parsed = json.loads(out or b"[]")
    except ValueError as exc:
        raise ExifToolError("exiftool gave no JSON") from exc
    return parsed[0] if parsed and isinstance(parsed[0], dict) else {}


def write_json(path: str, values: dict[str, Any]) -> None:
    """Write tags to a file (an `.xmp` path that does not exist yet is created) from
    JSON, so names and values with commas stay whole; values as `-n` (raw) values."""
    directory = os.path.dirname(path)
    source = os.path.join(directory, ".exiftool-input.json")
    with open(source, "w", encoding="utf-8") as handle:
        json.dump([{"SourceFile": "*", **values}], handle)
    try:
        out = run(["-n", f"-j={source}", "-overwrite_original", path])
    finally:
        os.unlink(source)
    if not os.path.exists(path):
        raise ExifToolError(f"exiftool wrote nothing: {out.decode(errors='replace')[:200]}")


def stop() -> None:
    """Stop this process's exiftool (tests, shutdown)."""
    global _process
    with _lock:
        if _process is not None:
            _process.close()
            _process = None


_registered = False


def _stop_at_exit() -> None:
    # exiftool keeps reading a closed stdin (by design of -stay_open): it must be told to
    # stop, or it outlives us.
    global _registered
    if not _registered:
        atexit.register(stop)
        _registered = True


def _kill(process: _Process | None) -> None:
    if process is not None and process.pid_of_owner == os.getpid():
        process.popen.kill()
        process.popen.wait()
