"""A bounded load test: 50 concurrent clients for LOAD_SECONDS (60) against gunicorn on
PostgreSQL, with two workers: 45 people on the portal, 5 privacy officers (logged in with
their second factor) working the request queue while the requests come in. No 5xx, and
every request filed is in the database with exactly one verification email.

Each client stands behind the TLS proxy (TRUSTED_PROXY_HOPS=1) with its own address,
so the per-address limits apply per client as in production (10 requests an hour:
a client files up to ten, then keeps browsing). Only loopback is contacted; the
forwarded addresses are header values from the benchmarking range 198.18.0.0/15.
Run by .ci/run (`pytest -m load`) when PostgreSQL is on loopback.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from likeness.models import OutboxJob, OutboxStatus, SubjectRequest
from tests.helpers import free_port
from tests.platform.test_faults import _create_database, _drop_database

pytestmark = pytest.mark.load
ROOT = Path(__file__).resolve().parents[2]
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
PER_CLIENT_REQUESTS = 10
STAFF_CLIENTS = int(os.environ.get("LOAD_STAFF_CLIENTS", "5"))
STAFF_PASSWORD = "correct horse battery 42"
LOGGED_OUT = 0  # a status-code slot of its own: an officer was shown the login form
# Per run: the limiter's counters live in Redis and outlast a run, so a rerun within the
# hour must not come from the same addresses and mailboxes.
RUN = uuid.uuid4().hex[:8]
RUN_OFFSET = int(RUN, 16) % 200 * 250


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, smtp_server: Any) -> Iterator[dict[str, Any]]:
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgresql"):
        pytest.fail("the load test runs on PostgreSQL, as in production: set DATABASE_URL "
                    "(.ci/run does)")
    name = f"likeness_load_{uuid.uuid4().hex[:8]}"
    url = _create_database(admin_url, name)
    port = free_port()
    env = dict(os.environ, FLASK_APP="wsgi:app", LIKENESS_ENV="testing",
               LIKENESS_INSTANCE=str(tmp_path / "instance"), DATABASE_URL=url,
               REDIS_URL=redis_url, RQ_QUEUE=f"load-{uuid.uuid4().hex[:8]}",
               MAIL_SERVER=smtp_server[0].hostname, MAIL_PORT=str(smtp_server[0].port),
               SESSION_COOKIE_SECURE="0", TRUSTED_PROXY_HOPS="1",
               PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", OUTBOX_SWEEP_SECONDS="2")
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    officers = _privacy_officers(url, redis_url, tmp_path / "instance")
    log = (tmp_path / "stack.log").open("w")
    processes = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "3", "--threads", "4",
                          "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
        *[subprocess.Popen([*flask, "worker"], cwd=ROOT, env=env, stdout=log,
                           stderr=subprocess.STDOUT) for _ in range(2)],
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # bounded wait for gunicorn: at most a minute
            try:
                urllib.request.urlopen(base + "/healthz", timeout=10)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # it answers (a 503 while the workers start is fine)
            except OSError:
                time.sleep(0.2)
        yield {"base": base, "database": url, "log": tmp_path / "stack.log",
               "officers": officers}
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        _drop_database(admin_url, name)


def _privacy_officers(url: str, redis_url: str, instance: Path) -> list[tuple[str, str]]:
    """(email, TOTP secret) of the staff accounts that work the queue during the load."""
    from likeness.app import create_app
    from likeness.extensions import db
    from likeness.staff import accounts
    from tests.helpers import enrol_two_factor

    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
    officers = []
    with app.app_context():
        for number in range(STAFF_CLIENTS):
            email = f"officer-{RUN}-{number}@example.org"
            user, _ = accounts.create_staff(email, "privacy_officer", password=STAFF_PASSWORD)
            secret = enrol_two_factor(user)
            user.totp_last_step = None  # enrolment used this step's code; the login may too
            db.session.commit()
            officers.append((email, secret))
        db.session.remove()
        db.engine.dispose()
    return officers


class Client:
    """One person's browser behind the proxy: cookies, its own forwarded address."""

    def __init__(self, base: str, number: int) -> None:
        self.base = base
        slot = RUN_OFFSET + number
        self.address = f"198.{18 + slot // 62500 % 2}.{slot // 250 % 250}.{slot % 250 + 1}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data,  # noqa: S310
                                         headers={"X-Forwarded-For": self.address})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def _timed(client: Client, kind: str, timings: dict[str, list[float]], lock: threading.Lock,
           path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
    began = time.perf_counter()
    result = client.fetch(path, form)
    with lock:
        timings.setdefault(kind, []).append(time.perf_counter() - began)
    return result


def _browse(client: Client, number: int, deadline: float, statuses: Counter,
            filed: list[str], lock: threading.Lock, timings: dict[str, list[float]]) -> None:
    sent = 0
    pages = ["/", "/quitclaim", "/consent", "/request", "/healthz"]
    while time.monotonic() < deadline:
        if sent < PER_CLIENT_REQUESTS:
            status, page = client.fetch("/request")
            form = {"csrf_token": _field(page, "csrf_token"),
                    "submission": _field(page, "submission"), "type": "access",
                    "name": f"Load Tester {number}", "language": "en",
                    "email": f"load-{RUN}-{number}-{sent}@example.org",
                    "details": "Photographed at the open day, 2026, main hall."}
            status, page = _timed(client, "request form (POST)", timings, lock, "/request", form)
            sent += 1
            reference = re.search(r"DSR-\d{4}-\d{6}", page)
            with lock:
                statuses[status] += 1
                if status == 200 and reference:
                    filed.append(reference.group(0))
        else:
            status, _page = _timed(client, "portal pages (GET)", timings, lock,
                                   pages[sent % len(pages)])
            sent += 1
            with lock:
                statuses[status] += 1


def _work_the_queue(client: Client, officer: tuple[str, str], deadline: float,
                    statuses: Counter, lock: threading.Lock,
                    timings: dict[str, list[float]]) -> None:
    """A privacy officer: log in (password, then the authenticator code), then keep
    reloading the queue and opening the newest case."""
    import pyotp

    email, secret = officer
    _status, page = client.fetch("/admin/login")
    _status, page = client.fetch("/admin/login", {
        "csrf_token": _field(page, "csrf_token"), "email": email, "password": STAFF_PASSWORD})
    _status, page = client.fetch("/admin/login/code")
    status, page = client.fetch("/admin/login/code", {
        "csrf_token": _field(page, "csrf_token"), "code": pyotp.TOTP(secret).now()})
    with lock:
        statuses[status] += 1
    while time.monotonic() < deadline:
        status, page = _timed(client, "admin queue (GET)", timings, lock, "/admin/requests")
        with lock:
            statuses[status] += 1
        if 'name="password"' in page:  # sent to the login form: not logged in (any more)
            with lock:
                statuses[LOGGED_OUT] += 1
            return
        case = re.search(r'href="(/admin/requests/\d+)"', page)
        if case:
            status, _page = _timed(client, "admin case page (GET)", timings, lock,
                                   case.group(1))
            with lock:
                statuses[status] += 1


def test_fifty_clients_for_a_minute_no_5xx_and_every_request_has_one_email(
    stack: dict[str, Any], mailbox: Any
):
    deadline = time.monotonic() + SECONDS
    statuses: Counter = Counter()
    filed: list[str] = []
    lock = threading.Lock()
    timings: dict[str, list[float]] = {}
    began = time.monotonic()
    threads = [threading.Thread(target=_browse, args=(Client(stack["base"], n), n, deadline,
                                                      statuses, filed, lock, timings))
               for n in range(CLIENTS - STAFF_CLIENTS)]
    threads += [threading.Thread(target=_work_the_queue, args=(
        Client(stack["base"], CLIENTS + n), officer, deadline, statuses, lock, timings))
        for n, officer in enumerate(stack["officers"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 180)
    elapsed = time.monotonic() - began
    assert not any(code >= 500 for code in statuses), (
        statuses, stack["log"].read_text()[-3000:])
    assert filed, statuses
    assert timings.get("admin queue (GET)"), "the officers never reached the queue"
    assert statuses[LOGGED_OUT] == 0, "an officer was sent back to the login form"

    engine = create_engine(stack["database"])
    try:
        with engine.connect() as connection:
            for _ in range(600):  # bounded: the workers drain the outbox (at most 2 minutes)
                waiting = connection.scalar(select(func.count()).select_from(OutboxJob).where(
                    OutboxJob.status != OutboxStatus.DONE.value))
                connection.rollback()
                if not waiting:
                    break
                time.sleep(0.2)
            assert waiting == 0, "jobs still waiting after the load"
            stored = set(connection.scalars(select(SubjectRequest.reference)))
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert set(filed) == stored  # everything acknowledged is stored, nothing more
    assert len(filed) == len(set(filed))
    verifications = Counter(
        re.search(r"DSR-\d{4}-\d{6}", m["Subject"]).group(0) for m in mailbox.messages
        if "Please confirm your request" in (m["Subject"] or ""))
    assert set(verifications) == stored
    assert set(verifications.values()) == {1}
    print(f"\nload: {dict(statuses)}; {len(filed)} requests filed, each with one email")
    for kind, seconds in sorted(timings.items()):
        ordered = sorted(seconds)
        p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1,
                                                           int(len(ordered) * 0.99))]
        print(f"  {kind}: {len(ordered) / elapsed:.1f} requests/s, "
              f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
