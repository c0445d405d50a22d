"""What a visitor typed and chose, kept for a moment so nothing has to be done twice: a
photo chosen on a form that came back with an error, or a whole form sent along when
the language was switched.

Kept on the server (a file input cannot be filled in again by the page) in Redis, which
every web process on every machine shares, under a random token that only this
browser's session knows; deleted when the form is sent or the visitor removes it, and
by Redis itself after an hour at the latest. When Redis cannot take it, nothing is kept:
the visitor chooses the photo again, nothing else is lost.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from flask import session
from werkzeug.datastructures import FileStorage, MultiDict

from likeness.platform.queue import get_redis

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class HeldFile:
    filename: str
    content: bytes

    def read(self) -> bytes:
        return self.content


def redis_key(token: str) -> str:
    return f"likeness:held:{token}"


def _held() -> dict[str, dict[str, str]]:
    value = session.get("held")
    return dict(value) if isinstance(value, dict) else {}


def hold(key: str, content: bytes, filename: str = "") -> None:
    """Keep `content` under `key` for this browser (replacing what was kept there)."""
    drop(key)
    token = secrets.token_urlsafe(24)
    try:
        get_redis().set(redis_key(token), content, ex=MAX_AGE_SECONDS)
    except redis.RedisError:
        log.warning("held files: Redis unavailable, nothing kept")
        return
    held = _held()
    held[key] = {"t": token, "n": filename[:200]}
    session["held"] = held


def is_kept(key: str) -> bool:
    """Was something kept under `key` for this browser (it may have expired since)?"""
    return key in _held()


def get(key: str) -> HeldFile | None:
    entry = _held().get(key)
    if entry is None or not _TOKEN.match(entry.get("t", "")):
        return None
    try:
        content = get_redis().get(redis_key(entry["t"]))
    except redis.RedisError:
        return None
    if content is None:  # expired
        drop(key)
        return None
    return HeldFile(entry.get("n", ""), bytes(content))


def drop(key: str) -> None:
    held = _held()
    entry = held.pop(key, None)
    if entry is None:
        return
    if _TOKEN.match(entry.get("t", "")):
        with contextlib.suppress(redis.RedisError):  # else Redis expires it within the hour
            get_redis().delete(redis_key(entry["t"]))
    session["held"] = held


# --- a whole form, sent along with a language switch -------------------------------

def _form_key(next_url: str) -> str:
    return "form:" + urlsplit(next_url).path


def file_key(path: str, field: str) -> str:
    """Where a page's chosen file is kept: per page path and field name."""
    return f"file:{path}:{field}"


# The file fields a page's form really has ({path: fields}); a post to the language
# switch keeps files for these only, so it cannot be used to park data in Redis.
_FILE_FIELDS: dict[str, frozenset[str]] = {}
# What one language switch may keep in all (the form's text and its files).
MAX_KEPT_BYTES = 40 * 1024 * 1024
MAX_KEPT_FORM_BYTES = 64 * 1024


def allow_file(path: str, field: str) -> None:
    """Declare that the form on `path` has a file input named `field`."""
    _FILE_FIELDS[path] = _FILE_FIELDS.get(path, frozenset()) | {field}


def keep_form(next_url: str, form: MultiDict, files: MultiDict) -> None:
    """Keep the fields of a form posted to the language switch, for the page `next_url`:
    its text up to `MAX_KEPT_FORM_BYTES`, and files only for the page's known file
    fields, together at most `MAX_KEPT_BYTES` (a larger one is simply not kept)."""
    values = [(k, v) for k, v in form.items(multi=True) if k not in {"csrf_token"}]
    encoded = json.dumps(values).encode()
    if len(encoded) <= MAX_KEPT_FORM_BYTES:
        hold(_form_key(next_url), encoded)
    path = urlsplit(next_url).path
    allowed = _FILE_FIELDS.get(path, frozenset())
    budget = MAX_KEPT_BYTES
    for name in sorted(allowed):
        storage = files.get(name)
        if not isinstance(storage, FileStorage) or not storage.filename:
            continue
        content = storage.stream.read(budget + 1)
        if content and len(content) <= budget:
            hold(file_key(path, name), content, storage.filename)
            budget -= len(content)


def kept_form(path: str) -> MultiDict | None:
    """The fields kept for the page at `path` (once), or None."""
    held = get(_form_key(path))
    if held is None:
        return None
    try:
        values = json.loads(held.read())
    finally:
        drop(_form_key(path))
    return MultiDict([(str(k), str(v)) for k, v in values])
