"""Requests per second per page: commits side by side, on one machine, in one run.

Each commit under test gets its own checkout (a temporary `git worktree`, removed at the
end; the working tree itself is "." and is measured as it is, uncommitted changes
included), its own instance folder with a SQLite database, and its own gunicorn with two
workers (`-w 2`, sync) and the embedded Redis, as `make run` would serve it on a small
machine. All of them run at once; the pages are measured in turns (one commit after the
other, per page and round), so a busier moment of the machine hits every commit alike.

Each page is fetched for `--seconds` by `--threads` client threads back to back; the
clients are anonymous browsers without cookies (every visit a new visitor) for the
simple pages, and one privacy officer's session (password + authenticator code) for the
staff pages: the request queue (60 requests), one case page (a request with 12 matched
faces) and one photo's page (12 faces, 4 of them tagged). The staff pages are measured
only on commits that have the second factor (83538de does not).

Prints requests/s per page and commit, and each commit's ratio to the first one:

    .venv/bin/python bench/pages.py [--against 83538de] [--against fb4c2ab] [--rounds 2]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIMPLE_PAGES = ("/", "/request", "/admin/login")
STAFF_PAGES = ("/admin/requests", "/admin/requests/{request_id}", "/admin/assets/{asset_id}")
PASSWORD = "correct horse battery 42"  # noqa: S105 (the bench's own throwaway account)

# Run inside a checkout (its own code on sys.path): an officer with two-factor, a queue of
# requests, one case with matched faces, one photo with faces. Prints what the clients need.
SEED = r'''
import json, sys
from datetime import UTC, datetime, timedelta
sys.path.insert(0, ".")
from likeness.app import create_app
from likeness.extensions import db
from likeness.dsr import intake
from likeness.library import people, upload
from likeness.models import Asset, Face, Match, SubjectRequest
from likeness.platform.actor import CLI
from likeness.staff import accounts
from tests.support.helpers import FIXTURES, enrol_two_factor

app = create_app()
with app.app_context():
    officer, _ = accounts.create_staff("officer@example.org", "privacy_officer",
                                       password=sys.argv[1])
    secret = enrol_two_factor(officer)
    officer.totp_last_step = None
    db.session.commit()
    person = people.create("Barack Example", actor=CLI, email="barack@example.org")
    asset_ids = []
    for number, name in enumerate(["obama.jpg", "biden.jpg", "obama2.jpg"]):
        data = (FIXTURES / name).read_bytes()
        result = upload.add_photo(data, f"event-{number}.jpg", actor=CLI)
        asset_ids.append(result.asset_id)
        db.session.get(Asset, result.asset_id).status = "indexed"
        for face in range(12):
            db.session.add(Face(asset_id=result.asset_id, top=10 + face, right=60 + face,
                                bottom=60 + face, left=10 + face,
                                person_id=person.id if face < 4 else None,
                                tag_source="confirmed" if face < 4 else None))
    db.session.commit()
    first = None
    for number in range(60):
        row = intake.register(intake.Registration(
            type=["access", "erasure", "objection"][number % 3], name=f"Person {number}",
            received_via="email", received_at=datetime.now(UTC) - timedelta(days=number % 20),
            details="Photographed at the open day", language="en",
            email=f"person-{number}@example.org"), actor=officer)
        first = first or row.id
    faces = db.session.query(Face).filter(Face.asset_id == asset_ids[0]).all()
    for face in faces:
        db.session.add(Match(request_id=first, face_id=face.id, distance=0.4,
                             decision="pending"))
    db.session.get(SubjectRequest, first).search_status = "done"
    db.session.commit()
    print(json.dumps({"secret": secret, "request_id": first, "asset_id": asset_ids[0]}))
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """One commit served: its checkout, gunicorn, and what the staff pages need."""

    name: str
    tree: Path
    instance: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    seed: dict | None = None
    cookie: str = ""

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLASK_APP"}}
        env.update(FLASK_APP="wsgi:app", LIKENESS_ENV="development",
                   LIKENESS_INSTANCE=str(self.instance), MAIL_SERVER="",
                   DATABASE_URL=f"sqlite:///{self.instance / 'bench.db'}",
                   FACE_KEY_FILE=str(self.instance / "face-keys.json"),
                   PUBLIC_BASE_URL=f"http://127.0.0.1:{self.port}",
                   PYTHONPATH=os.pathsep.join([str(self.tree), str(self.overlay)]))
        return env

    @property
    def overlay(self) -> Path:
        return self.instance.parent / "overlay"

    def start(self, staff: bool) -> None:
        self.instance.mkdir(parents=True)
        self.upgrade()
        if staff:
            self.add_staff_data()
        log = (self.instance / "gunicorn.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "60", "wsgi:app"],
            cwd=self.tree, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                if fetch(self.port, "/") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        if staff:
            self.cookie = self.login()

    def add_staff_data(self) -> None:
        """The officer, the queue, the case and the photo the staff pages show (SEED)."""
        done = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", SEED, PASSWORD], cwd=self.tree,
            env=self.env(), check=True, capture_output=True, text=True, timeout=300)
        self.seed = json.loads(done.stdout.strip().splitlines()[-1])

    def upgrade(self) -> None:
        """`flask db upgrade`. An old commit may import a library today's lock no longer
        has: it is added (alone, without dependencies) to an overlay folder on its path,
        so every commit runs on today's libraries plus only what it lacks."""
        for _ in range(5):
            done = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"],
                                  cwd=self.tree, env=self.env(), capture_output=True,
                                  text=True, timeout=300)
            missing = re.search(r"No module named '([\w.]+)'", done.stderr)
            if done.returncode == 0 or not missing:
                break
            subprocess.run([  # noqa: S603 (a module name from our own import error)
                str(ROOT / ".tools" / "bin" / "uv"), "pip", "install", "--no-deps",
                            "--python", sys.executable, "--target", str(self.overlay),
                            missing.group(1).split(".")[0]], check=True, capture_output=True)
        if done.returncode:
            raise SystemExit(f"{self.name}: flask db upgrade failed\n{done.stderr[-2000:]}")

    def login(self) -> str:
        """Log the officer in through the forms; the session cookie every client sends."""
        import pyotp

        assert self.seed is not None
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{self.port}"

        def post(path: str, form: dict[str, str]) -> str:
            page = opener.open(base + path).read().decode()  # noqa: S310 - loopback
            token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
            form["csrf_token"] = token.group(1) if token else ""
            data = urllib.parse.urlencode(form).encode()
            return str(opener.open(base + path, data=data).geturl())  # noqa: S310

        post("/admin/login", {"email": "officer@example.org", "password": PASSWORD})
        landed = post("/admin/login/code", {"code": pyotp.TOTP(self.seed["secret"]).now()})
        if "/login" in landed:
            raise SystemExit(f"{self.name}: the officer could not log in ({landed})")
        return "; ".join(f"{c.name}={c.value}" for c in jar)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.stop_redis()

    def stop_redis(self) -> None:
        """An old commit's embedded Redis outlives its server (83538de never stops it)."""
        import redis

        sock = self.instance / "redis.sock"
        if sock.exists():
            with contextlib.suppress(redis.RedisError):
                redis.Redis(unix_socket_path=str(sock), socket_timeout=5).shutdown(nosave=True)


def fetch(port: int, path: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def measure(stack: Stack, path: str, threads: int, seconds: float) -> tuple[float, int]:
    """(requests/s answered 200, other answers) with `threads` clients back to back."""
    ok = [0] * threads
    other = [0] * threads
    start = threading.Barrier(threads + 1)
    deadline = [0.0]
    cookie = stack.cookie if path.startswith("/admin/") and path != "/admin/login" else ""

    def client(number: int) -> None:
        start.wait()
        while time.monotonic() < deadline[0]:
            if fetch(stack.port, path, cookie) == 200:
                ok[number] += 1
            else:
                other[number] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    deadline[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    for worker in workers:
        worker.join()
    return sum(ok) / (time.monotonic() - began), sum(other)


def checkout(revision: str, folder: Path) -> Path:
    if revision == ".":
        return ROOT
    tree = folder / f"tree-{revision}"
    # git, with a revision given on our own command line
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add",  # noqa: S603,S607
                    "--detach", str(tree), revision], check=True, capture_output=True)
    return tree


def has_two_factor(tree: Path) -> bool:
    # Where the second factor's views were, and are since the areas got one folder each.
    return any((tree / "admin" / path).exists()
               for path in ("two_factor_views.py", "staff/two_factor.py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", action="append",
                        help="commits to compare with the working tree (default: 83538de)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--pages", nargs="*", help="only these pages (as listed above)")
    args = parser.parse_args()
    revisions = [*(args.against or ["83538de"]), "."]
    folder = Path(tempfile.mkdtemp(prefix="likeness-pages-"))
    stacks: list[Stack] = []
    try:
        for revision in revisions:
            tree = checkout(revision, folder)
            stack = Stack(revision if revision != "." else "this tree", tree,
                          folder / f"instance-{len(stacks)}")
            stack.start(staff=has_two_factor(tree))
            stacks.append(stack)
        staff_stack = next((s for s in stacks if s.seed), None)
        pages = [p for p in (*SIMPLE_PAGES, *(STAFF_PAGES if staff_stack else ()))
                 if not args.pages or p in args.pages]
        results: dict[tuple[str, str], list[float]] = {}
        failures: dict[tuple[str, str], int] = {}
        for round_ in range(args.rounds):
            for page in pages:
                order = stacks if round_ % 2 == 0 else stacks[::-1]
                for stack in order:
                    if page in STAFF_PAGES and not stack.seed:
                        continue
                    path = page.format(**(stack.seed or {}))
                    measure(stack, path, args.threads, 1.0)  # warm-up
                    rate, other = measure(stack, path, args.threads, args.seconds)
                    results.setdefault((page, stack.name), []).append(rate)
                    failures[(page, stack.name)] = failures.get((page, stack.name), 0) + other
        report(pages, stacks, results, failures, args)
    finally:
        for stack in stacks:
            stack.stop()
        for stack in stacks:
            if stack.tree != ROOT:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove",  # noqa: S603,S607
                                "--force", str(stack.tree)], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def report(pages: list[str], stacks: list[Stack], results: dict[tuple[str, str], list[float]],
           failures: dict[tuple[str, str], int], args: argparse.Namespace) -> None:
    print(f"gunicorn -w 2 on SQLite, {args.threads} client threads, {args.rounds} rounds of "
          f"{args.seconds:.0f} s per page; requests/s answered 200 (each round), median, "
          f"ratio to the first commit measured")
    for page in pages:
        measured = [s for s in stacks if results.get((page, s.name))]
        print(page + ("" if measured[0] is stacks[0] else f" (ratio to {measured[0].name})"))
        first = statistics.median(results[(page, measured[0].name)])
        for stack in measured:
            rates = results[(page, stack.name)]
            median = statistics.median(rates)
            rounds = " and ".join(f"{r:.0f}" for r in rates)
            bad = failures.get((page, stack.name), 0)
            print(f"  {stack.name:>12}: {rounds} requests/s (median {median:.0f}), "
                  f"{median / first:.2f}x" + (f"; {bad} answers other than 200" if bad else ""))


if __name__ == "__main__":
    main()
