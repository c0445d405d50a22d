"""Helpers shared by every test package: jobs, forms, mail, ports."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from rq import SimpleWorker

from likeness.platform.queue import get_queue, get_redis

FIXTURES = Path(__file__).parent / "fixtures"


def run_jobs() -> None:
    """Run every queued job, as a worker would."""
    SimpleWorker([get_queue()], connection=get_redis()).work(burst=True)


def login(client: FlaskClient, email: str, password: str) -> Any:
    """Log in through the real form, CSRF token included."""
    page = client.get("/admin/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": token}
    )


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def link_in(message: Any, marker: str) -> str:
    """The path of the first link in an email body that contains `marker`."""
    body = message.get_payload(decode=True) if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True)
    text = body.decode()
    match = re.search(r"https?://[^\s]+(" + re.escape(marker) + r"[^\s]*)", text)
    assert match, text
    return match.group(1)
