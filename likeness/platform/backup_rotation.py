"""Where backups are written, and which of them are old enough to go.

A backup holds everything the database and data folders held on its day: selfies,
exports and erased photos included. Rotating them within a stated period is what makes
an erasure, and every other retention period, true in the backups too (Art. 5(1)(e)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from likeness.platform.storage import instance_dir

SUFFIX = ".sealed"


@dataclass(frozen=True)
class Archive:
    name: str
    written_at: datetime


def backup_dir() -> Path:
    """`BACKUP_DIR`, or `instance/backups`."""
    configured = str(current_app.config.get("BACKUP_DIR") or "")
    return Path(configured) if configured else instance_dir() / "backups"


def older_than(cutoff: datetime) -> list[Archive]:
    """Sealed archives in the backup folder written before `cutoff`, oldest first."""
    folder = backup_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.is_file() and path.name.endswith(SUFFIX):
            written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
            if written < cutoff:
                found.append(Archive(path.name, written))
    return sorted(found, key=lambda a: (a.written_at, a.name))


def delete(names: list[str]) -> int:
    """Delete these archives from the backup folder; returns how many were there."""
    folder = backup_dir()
    removed = 0
    for name in names:
        if "/" in name or not name.endswith(SUFFIX):
            continue  # only plain archive names of this folder
        try:
            (folder / name).unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed
