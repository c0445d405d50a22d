"""The audit chain head, kept outside the database.

A keyed MAC stops anyone from rewriting events, but not from deleting the newest
ones, or all of them: what is left is still a valid chain. So the id and MAC of the
newest committed event are also kept somewhere the database cannot reach, and
`flask verify-audit` checks that the chain still reaches that head.

Where (`AUDIT_HEAD`):
* unset: the file `instance/audit-head.json` (one machine; development);
* `redis`: the key `likeness:audit-head` on `AUDIT_HEAD_REDIS_URL` (a Redis of its own,
  which whoever can write the job queue cannot write), or on `REDIS_URL` when unset;
* `file:/path`: a file on storage the database server cannot write (an NFS share
  mounted by the app servers only, for instance).
Production should use `redis` on a Redis that is not on the database host (or a
file on such storage); see docs/security.md.

The head only ever moves forward: every process advances it after its commit, and
an older head never overwrites a newer one, so concurrent writers need no other
coordination. Only a restore moves it back, by an audited re-anchor.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from likeness.platform import redis_client
from likeness.platform.app_state import per_app

REDIS_KEY = "likeness:audit-head"

# Compare-and-set in one step: only a newer head replaces the stored one.
_ADVANCE = """
local current = redis.call('GET', KEYS[1])
if current then
  local id = tonumber(cjson.decode(current)['id'])
  if id >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


@dataclass(frozen=True)
class Head:
    id: int
    hash: str
    seq: int | None = None  # the event's place in the chain (None: written before it)

    def as_json(self) -> str:
        return json.dumps({"id": self.id, "hash": self.hash, "seq": self.seq})


def read() -> Head | None:
    """The stored head, or None if none was ever stored."""
    raw = _redis().get(REDIS_KEY) if _uses_redis() else _read_file(_path())
    if not raw:
        return None
    data = json.loads(raw)
    seq = data.get("seq")
    return Head(int(data["id"]), str(data["hash"]), int(seq) if seq is not None else None)


def advance(head: Head) -> None:
    """Store `head` unless a newer one is stored already."""
    if _uses_redis():
        _redis().eval(_ADVANCE, 1, REDIS_KEY, head.id, head.as_json())
        return
    with _locked(_path()) as path:
        current = _read_file(path)
        if current and int(json.loads(current)["id"]) >= head.id:
            return
        _write_file(path, head.as_json())


def replace(head: Head) -> None:
    """Store `head` even if it is older (only a recorded re-anchor may do this)."""
    if _uses_redis():
        _redis().set(REDIS_KEY, head.as_json())
        return
    with _locked(_path()) as path:
        _write_file(path, head.as_json())


def location() -> str:
    """Where the head is kept, for messages and reports."""
    return f"redis key {REDIS_KEY}" if _uses_redis() else str(_path())


def _uses_redis() -> bool:
    return str(current_app.config.get("AUDIT_HEAD") or "").lower() == "redis"


def _redis() -> Any:
    """`AUDIT_HEAD_REDIS_URL` when set (a Redis the job queue's users cannot write),
    else the app's Redis."""
    from likeness.platform.queue import get_redis

    url = str(current_app.config.get("AUDIT_HEAD_REDIS_URL") or "")
    if not url:
        return get_redis()
    return per_app("likeness.audit_head_redis", lambda: redis_client.from_url(url))


def _path() -> Path:
    setting = str(current_app.config.get("AUDIT_HEAD") or "")
    if setting.startswith("file:"):
        return Path(setting[len("file:"):])
    return Path(current_app.config["INSTANCE_PATH"]) / "audit-head.json"


def _read_file(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def _write_file(path: Path, content: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextmanager
def _locked(path: Path) -> Iterator[Path]:
    """One writer at a time on this machine (processes of one host share the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
