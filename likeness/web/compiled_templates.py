"""Compiled templates shared by every app built in one process.

Jinja compiles a template the first time an environment renders it, and each app has an
environment of its own. A web worker builds one app, so this changes nothing there; the
test suite builds an app per test (over a thousand per run) and the CLI one per command,
and without this each of them compiled every page it rendered again (about a third of a
short test's time). Entries are keyed by template name and checked against the source's
checksum by Jinja itself, so an edited template is compiled afresh. Every app is made by
`create_app` with the same environment options, so compiled code fits each of them.
"""

from __future__ import annotations

import threading

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _InProcessBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        compiled = bucket.bytecode_to_string()
        with self._lock:
            self._compiled[bucket.key] = compiled


_SHARED = _InProcessBytecodeCache()


def share(app: Flask) -> None:
    """Call before anything touches `app.jinja_env` (it is created on first use)."""
    app.jinja_options = {**app.jinja_options, "bytecode_cache": _SHARED}
