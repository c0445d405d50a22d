"""The permission API over HTTP: a single check and a bulk check of 1,000 pairs.

A fresh PostgreSQL database (created next to `DATABASE_URL`, dropped at the end) gets a
library written straight into the tables: N assets with F faces each (70% tagged to one
of N/5 people), one signed quitclaim per person covering all their photos on two
channels, and every asset registered under an image bank's id. gunicorn serves the app;
the client sends a valid API key, so every call also writes its audit event.

- ours: `GET /api/v1/assets/{id}/permissions?channel=` (p50 of --singles calls) and
  `POST /api/v1/permissions:query` with 1,000 assets x 1 channel (p50 of --bulks calls);
- baseline, in the same run: the same decisions computed one asset at a time through
  the domain function (`likeness.integrations.permissions.decide`) in this process.

Prints both and the ratios, and the server's durable-commit floor (a bare INSERT and
COMMIT): each call commits its audit record before it answers, so no call can be faster
than that; and the CPU the server (gunicorn workers and PostgreSQL backends) used per
call, which grows far less than wall time when other work shares the machine.
Aim: single p50 <= 5 ms, bulk p50 <= 250 ms. The default is small (2,000 assets x 10
faces); `--full` is the issue's 100,000 assets and 1M faces. The library is VACUUM
ANALYZEd after loading, as a library in use would be.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/api.py [--full]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from flask_migrate import upgrade  # noqa: E402

from likeness.app import create_app  # noqa: E402
from likeness.extensions import db  # noqa: E402
from likeness.integrations import keys, permissions  # noqa: E402
from likeness.models import (  # noqa: E402
    Asset,
    ExternalAsset,
    Face,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
)
from likeness.platform.actor import CLI  # noqa: E402

BATCH = 20_000


def fill(assets: int, faces_per_asset: int, integration_id: int) -> None:
    """Write the library with plain INSERTs in batches (the upload path would take days)."""
    rng = random.Random(7)
    people = max(1, assets // 5)
    now = datetime.now(UTC)
    session = db.session
    session.execute(insert(Person), [{"id": p + 1, "name": f"P{p}", "created_at": now}
                                     for p in range(people)])
    for start in range(0, assets, BATCH):
        ids = range(start + 1, min(assets, start + BATCH) + 1)
        session.execute(insert(Asset), [{
            "id": i, "sha256": f"{i:064x}", "original_filename": f"{i}.jpg",
            "image_format": "jpeg", "width": 4000, "height": 3000, "byte_size": 1,
            "status": "indexed", "created_at": now} for i in ids])
        session.execute(insert(ExternalAsset), [{
            "integration_id": integration_id, "external_id": f"A{i}", "asset_id": i,
            "created_at": now} for i in ids])
    pairs: dict[int, set[int]] = {}
    rows = []
    face_id = 0
    for asset_id in range(1, assets + 1):
        for n in range(faces_per_asset):
            face_id += 1
            person = rng.randrange(people) + 1 if rng.random() < 0.7 else None
            if person is not None:
                pairs.setdefault(person, set()).add(asset_id)
            rows.append({"id": face_id, "asset_id": asset_id, "top": 10, "right": 60 + n * 60,
                         "bottom": 60, "left": 10 + n * 60, "person_id": person,
                         "created_at": now})
            if len(rows) >= BATCH:
                session.execute(insert(Face), rows)
                rows = []
    if rows:
        session.execute(insert(Face), rows)
    today = date.today()
    session.execute(insert(Quitclaim), [{
        "id": p, "person_id": p, "text_version": "v1", "language": "nl", "status": "signed",
        "valid_from": today - timedelta(days=30), "valid_until": today + timedelta(days=900),
        "signer_name": "x", "signed_at": now} for p in pairs])
    session.execute(insert(QuitclaimChannel), [
        {"quitclaim_id": p, "channel": c} for p in pairs for c in ("website", "print")])
    qa = [{"quitclaim_id": p, "asset_id": a} for p, assets_of in pairs.items()
          for a in assets_of]
    for start in range(0, len(qa), BATCH):
        session.execute(insert(QuitclaimAsset), qa[start:start + BATCH])
    session.commit()


def vacuum(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum leaves a library that has been in use: planner
    statistics, and visibility maps so index-only scans need no heap fetches."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def commit_floor(url: str, rounds: int = 200) -> float:
    """p50 of a bare one-row INSERT and COMMIT on this server: what any durable write
    per call costs (the WAL flush) before Likeness does anything."""
    engine = create_engine(url)
    times = []
    with engine.connect() as connection:
        for _ in range(rounds):
            start = time.perf_counter()
            connection.execute(text("INSERT INTO api_call (api_key_id, integration_id, "
                                    "method, endpoint, refused, created_at) SELECT id, "
                                    "integration_id, 'GET', '/floor', false, now() "
                                    "FROM api_key LIMIT 1"))
            connection.commit()
            times.append(time.perf_counter() - start)
        connection.execute(text("DELETE FROM api_call WHERE endpoint = '/floor'"))
        connection.commit()
    engine.dispose()
    return statistics.median(times)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(gunicorn_pid: int, admin_url: str, database: str) -> list[int]:
    """gunicorn's workers and the PostgreSQL backends serving the bench database: the CPU
    they use per call does not depend on how busy the machine is, unlike wall time."""
    children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    engine = create_engine(make_url(admin_url))
    with engine.connect() as connection:
        pids += list(connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}).scalars())
    engine.dispose()
    return pids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed(connection: http.client.HTTPConnection, method: str, path: str, headers: dict,
          body: bytes | None = None) -> float:
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"{method} {path}: {response.status} {payload[:300]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=2_000)
    parser.add_argument("--faces", type=int, default=10, help="faces per asset")
    parser.add_argument("--full", action="store_true", help="100,000 assets x 10 faces")
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--bulks", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    if args.full:
        args.assets, args.faces = 100_000, 10
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgresql"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (a database is created "
                         "next to the one named and dropped afterwards).")
    name = f"likeness_bench_api_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    instance = Path(tempfile.mkdtemp(prefix="bench-api-"))
    gunicorn = None
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance),
                          "ENV_NAME": "testing", "TESTING": True})
        with app.app_context():
            upgrade()
            integration = keys.create_integration("Bench bank", [], actor=CLI)
            secret = keys.create_key(integration.id, "bench", ["assets:read"],
                                     actor=CLI).secret
            started = time.perf_counter()
            fill(args.assets, args.faces, integration.id)
            vacuum(url)
            print(f"library: {args.assets:,} assets, {args.assets * args.faces:,} faces "
                  f"written in {time.perf_counter() - started:.0f} s")
            rng = random.Random(11)
            singles = [rng.randrange(args.assets) + 1 for _ in range(args.singles)]
            bulks = [rng.sample(range(1, args.assets + 1), min(1000, args.assets))
                     for _ in range(args.bulks)]
            base_single = []
            for asset_id in singles:
                start = time.perf_counter()
                permissions.decide([asset_id], ["website"])
                base_single.append(time.perf_counter() - start)
                db.session.rollback()
            base_bulk = []
            for batch in bulks:
                start = time.perf_counter()
                for asset_id in batch:
                    permissions.decide([asset_id], ["website"])
                base_bulk.append(time.perf_counter() - start)
                db.session.rollback()
        port = free_port()
        env = dict(os.environ, LIKENESS_ENV="testing", LIKENESS_INSTANCE=str(instance),
                   DATABASE_URL=url, API_RATE_LIMIT="1000000 per minute")
        gunicorn = subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
             f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for _ in range(300):
            try:
                timed(connection, "GET", "/api/v1/assets/A1/permissions?channel=website",
                      headers)
                break
            except (OSError, http.client.HTTPException):
                connection.close()
                time.sleep(0.2)
        for asset_id in singles[:20]:  # warm both workers
            timed(connection, "GET", f"/api/v1/assets/A{asset_id}/permissions?channel=website",
                  headers)
        pids = server_pids(gunicorn.pid, admin_url, name)
        before = cpu_seconds(pids)
        ours_single = [timed(connection, "GET",
                             f"/api/v1/assets/A{a}/permissions?channel=website", headers)
                       for a in singles]
        cpu_single = (cpu_seconds(pids) - before) / len(singles)
        before = cpu_seconds(pids)
        ours_bulk = [timed(connection, "POST", "/api/v1/permissions:query", headers,
                           json.dumps({"external_ids": [f"A{a}" for a in batch],
                                       "channels": ["website"]}).encode())
                     for batch in bulks]
        cpu_bulk = (cpu_seconds(pids) - before) / len(bulks)
        connection.close()
        floor = commit_floor(url)
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    print(f"server CPU per call (gunicorn workers + PostgreSQL backends, mean; much less "
          f"load-dependent than wall time): single {cpu_single * 1000:.1f} ms, bulk 1,000 "
          f"{cpu_bulk * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}")
    print(f"durable-commit floor on this server (bare INSERT + COMMIT, p50): "
          f"{floor * 1000:.1f} ms; every call pays it once (its audit record)")
    print(f"single check, p50 over {len(singles)}: HTTP {ms(ours_single):.1f} ms "
          f"(key + audit write + decision); baseline in-process {ms(base_single):.1f} ms; "
          f"ratio {ms(ours_single) / ms(base_single):.2f}x (aim <= 5 ms)")
    print(f"bulk 1,000, p50 over {len(bulks)}: HTTP {ms(ours_bulk):.0f} ms; baseline one "
          f"asset at a time {ms(base_bulk):.0f} ms; ratio {ms(base_bulk) / ms(ours_bulk):.1f}x "
          f"faster (aim <= 250 ms)")


if __name__ == "__main__":
    main()
