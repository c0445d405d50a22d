"""The embedded Redis keeps queued jobs (their arguments) in files only its owner reads."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import redis

from likeness.platform import embedded_redis


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_dump_and_log_files_are_owner_only(tmp_path: Path):
    previous = os.umask(0o022)  # a common default: files readable by everyone
    try:
        url = embedded_redis.ensure_running(tmp_path)
    finally:
        os.umask(previous)
    try:
        connection = redis.Redis.from_url(url)
        connection.set("likeness:probe", "queued job")
        connection.save()
    finally:
        embedded_redis.stop(tmp_path)
    assert _mode(tmp_path / "redis.rdb") == 0o600
    assert _mode(tmp_path / "redis.log") & 0o077 == 0


def test_a_dump_file_left_readable_by_an_older_version_is_restricted(tmp_path: Path):
    embedded_redis.ensure_running(tmp_path)
    embedded_redis.stop(tmp_path)  # saves the dump
    (tmp_path / "redis.rdb").chmod(0o644)
    embedded_redis.ensure_running(tmp_path)
    embedded_redis.stop(tmp_path)
    assert _mode(tmp_path / "redis.rdb") == 0o600
