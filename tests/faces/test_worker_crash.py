"""A worker killed with SIGKILL mid-batch: after a restart every photo is indexed once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from likeness.extensions import db
from likeness.library import upload
from likeness.models import Asset, AssetStatus, Face, OutboxJob, OutboxStatus
from likeness.platform.actor import CLI
from tests.support.helpers import FIXTURES

# About detection itself: always the real engine, never a result reused from the run.
pytestmark = pytest.mark.real_detection

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ["obama3.jpg", "biden.jpg", "two_people.jpg", "obama.jpg", "obama2.jpg",
          "32bit.png", "obama_small.jpg", "obama-240p.jpg"]
EXPECTED_FACES = {"obama3.jpg": 1, "biden.jpg": 1, "two_people.jpg": 2, "obama.jpg": 1,
                  "obama2.jpg": 1, "32bit.png": 1, "obama_small.jpg": 1}


def _start_worker(app: Flask) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        FLASK_APP="wsgi:app",
        LIKENESS_ENV="testing",
        LIKENESS_INSTANCE=app.config["INSTANCE_PATH"],
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        RQ_QUEUE=app.config["RQ_QUEUE"],
        FACE_KEY_FILE=app.config["FACE_KEY_FILE"],
        SECRET_KEY=app.config["SECRET_KEY"],
    )
    return subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=_log(app).open("a"))


def _log(app: Flask) -> Path:
    return Path(app.config["INSTANCE_PATH"]) / "worker.log"


def _indexed() -> int:
    db.session.rollback()  # end the read transaction: see the worker's commits
    return db.session.scalar(select(func.count()).select_from(Asset)
                             .where(Asset.status == AssetStatus.INDEXED))


def _unfinished_jobs() -> int:
    db.session.rollback()  # end the read transaction: see the worker's commits
    return db.session.scalar(select(func.count()).select_from(OutboxJob)
                             .where(OutboxJob.status != OutboxStatus.DONE))


def _outbox_report() -> list[tuple[object, ...]]:
    from likeness.platform.queue import fetch_job

    db.session.rollback()
    report = []
    for row in db.session.scalars(select(OutboxJob).where(
            OutboxJob.status != OutboxStatus.DONE).order_by(OutboxJob.id)):
        try:
            job = fetch_job(row.rq_job_id)
            state = job.get_status() if job is not None else "NoSuchJob"
        except Exception as exc:  # noqa: BLE001 - a report, not logic
            state = type(exc).__name__
        report.append((row.id, row.job_name, row.status, row.attempts, row.last_error, state))
    return report


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_sigkill_mid_batch_then_restart_indexes_every_photo_exactly_once(
    committed_app: Flask,
):
    for name in PHOTOS:
        assert upload.add_photo((FIXTURES / name).read_bytes(), name, actor=CLI).ok
    total = len(PHOTOS)

    worker = _start_worker(committed_app)
    try:
        assert _wait_for(lambda: _indexed() >= 1, timeout=120), "worker indexed nothing"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    done_before_restart = _indexed()
    assert done_before_restart < total, "the kill came too late to test anything"

    worker = _start_worker(committed_app)
    try:
        assert _wait_for(lambda: _indexed() == total, timeout=180), _log(committed_app).read_text()
        assert _wait_for(lambda: _unfinished_jobs() == 0, timeout=120), (
            _outbox_report(), _log(committed_app).read_text())
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    db.session.rollback()
    faces = Counter(
        name for (name,) in db.session.execute(
            select(Asset.original_filename).join(Face, Face.asset_id == Asset.id)
        )
    )
    for name, expected in EXPECTED_FACES.items():
        assert faces[name] == expected, (name, faces)
    # No two faces share a box on the same asset (no duplicate rows from a rerun).
    boxes = db.session.execute(select(Face.asset_id, Face.top, Face.left)).all()
    assert len(boxes) == len(set(boxes))
