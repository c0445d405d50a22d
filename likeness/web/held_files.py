"""What a visitor typed and chose, kept for a moment so nothing has to be done twice: a
photo chosen on a form that came back with an error, or a whole form sent along when
the language was switched.

Kept on the server under instance/held/ (a file input cannot be filled in again by the
page), named by a random token that only this browser's session knows, and deleted
when the form is sent, when the visitor removes it, or after an hour at the latest.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, session
from werkzeug.datastructures import FileStorage, MultiDict

MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class HeldFile:
    filename: str
    path: Path

    def read(self) -> bytes:
        return self.path.read_bytes()


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "held"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _held() -> dict[str, dict[str, str]]:
    value = session.get("held")
    return dict(value) if isinstance(value, dict) else {}


def _path(token: str) -> Path | None:
    return _folder() / token if _TOKEN.match(token) else None


def _purge_old() -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in _folder().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def hold(key: str, content: bytes, filename: str = "") -> None:
    """Keep `content` under `key` for this browser (replacing what was kept there)."""
    drop(key)
    _purge_old()
    token = secrets.token_urlsafe(24)
    path = _folder() / token
    path.touch(mode=0o600)
    path.write_bytes(content)
    held = _held()
    held[key] = {"t": token, "n": filename[:200]}
    session["held"] = held


def get(key: str) -> HeldFile | None:
    entry = _held().get(key)
    path = _path(entry["t"]) if entry else None
    if entry is None or path is None or not path.is_file():
        return None
    if path.stat().st_mtime < time.time() - MAX_AGE_SECONDS:
        drop(key)
        return None
    return HeldFile(entry.get("n", ""), path)


def drop(key: str) -> None:
    held = _held()
    entry = held.pop(key, None)
    if entry is None:
        return
    path = _path(entry.get("t", ""))
    if path is not None:
        path.unlink(missing_ok=True)
    session["held"] = held


# --- a whole form, sent along with a language switch -------------------------------

def _form_key(next_url: str) -> str:
    return "form:" + urlsplit(next_url).path


def file_key(path: str, field: str) -> str:
    """Where a page's chosen file is kept: per page path and field name."""
    return f"file:{path}:{field}"


def keep_form(next_url: str, form: MultiDict, files: MultiDict) -> None:
    """Keep the fields of a form posted to the language switch, for the page `next_url`."""
    values = [(k, v) for k, v in form.items(multi=True) if k not in {"csrf_token"}]
    hold(_form_key(next_url), json.dumps(values).encode())
    path = urlsplit(next_url).path
    for name, storage in files.items(multi=True):
        if isinstance(storage, FileStorage) and storage.filename:
            content = storage.read()
            if content:
                hold(file_key(path, name), content, storage.filename)


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
