"""Chromium through Playwright, against the app served on loopback."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # `shutdown` waits for the loop to notice it (up to one poll interval; 0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


# One Chromium per test process, started by the first test that needs it and closed at
# the end of the session (`close_browser`, from tests/conftest.py). Starting Playwright's
# driver and the browser costs about a second of CPU; a test needs only a fresh context,
# which has cookies, storage, cache and permissions of its own.
_playwright: Any = None
_browser: Any = None
_open_contexts = 0


def _shared_browser() -> Any:
    """This process's Chromium (started again if an earlier test crashed it)."""
    global _playwright, _browser
    if _browser is not None and _browser.is_connected():
        return _browser
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (make test installs it)"
    if _playwright is None:
        _playwright = sync_playwright().start()
    _mark_loop_running(True)
    _browser = _playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
    return _browser


def _mark_loop_running(running: bool) -> None:
    """Playwright's sync API runs its event loop in a greenlet and marks it as this
    thread's running loop between its calls, for as long as Playwright runs. Outside a
    test's use of the browser the mark comes off, as when Playwright stopped after each
    test: the code under test may run a loop of its own (pyHanko's `asyncio.run` when a
    job signs a PDF). It goes back on before the next call resumes Playwright's loop."""
    asyncio.events._set_running_loop(_playwright._loop if running else None)


def close_browser() -> None:
    global _playwright, _browser
    if _playwright is None:
        return
    _mark_loop_running(True)
    if _browser is not None:
        with suppress(Exception):  # already gone with a crashed browser
            _browser.close()
    _playwright.stop()
    _playwright = _browser = None


@contextmanager
def browser_context(**context_options: Any) -> Iterator[Any]:
    """A new context (a fresh profile: no cookies or storage of an earlier test)."""
    global _open_contexts
    browser = _shared_browser()
    _mark_loop_running(True)
    _open_contexts += 1
    try:
        context = browser.new_context(**context_options)
        try:
            yield context
        finally:
            context.close()
    finally:
        _open_contexts -= 1
        if not _open_contexts:  # a test's second browser may still be open
            _mark_loop_running(False)


@contextmanager
def chromium(locale: str = "en-GB", **context_options: Any) -> Iterator[Any]:
    with browser_context(locale=locale, **context_options) as context:
        yield context.new_page()
