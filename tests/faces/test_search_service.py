"""One face index per machine: web processes hold none; one worker answers their searches,
and another worker on the machine takes over when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import func, select

from likeness.app import create_app
from likeness.extensions import db as _db
from likeness.faces import engine
from likeness.library import policy_settings, search, search_service, tagging
from likeness.library import upload as uploads
from likeness.models import AuditEvent, Face, StaffUser, TemplatePolicy
from likeness.platform.actor import CLI
from likeness.platform.queue import get_redis
from likeness.staff import accounts
from tests.conftest import make_config
from tests.support.helpers import FIXTURES, positive_dpia_version, run_jobs

ROOT = Path(__file__).resolve().parents[2]


def _template(name: str) -> np.ndarray:
    with Image.open(FIXTURES / name) as photo:
        image = np.asarray(photo.convert("RGB"))
    return engine.encode(image, engine.detect(image))[0]


def _lock_holders(lock_file: Path) -> set[int]:
    """Pids holding a lock on `lock_file` (from /proc/locks, by the file's inode); not
    those waiting for it (their lines are marked `->`)."""
    inode = str(lock_file.stat().st_ino)
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and "->" not in fields and fields[-3].split(":")[-1] == inode:
            holders.add(int(fields[-4]))
    return holders


@pytest.fixture
def web(tmp_path: Path, redis_url: str, smtp_server: Any) -> Iterator[Flask]:
    """A web process on a committed SQLite file, searching through the search worker."""
    config = {**make_config(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}", redis_url,
                            smtp_server[0]), "SEARCH_SERVICE": "worker"}
    app = create_app(config)
    with app.app_context():
        upgrade()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def _start_worker(web: Flask) -> subprocess.Popen[str]:
    """`flask worker`, less the face detection models (tests/support/queue_worker.py):
    the web process computes every template here; the workers only search."""
    config = web.config
    env = {**os.environ, "FLASK_APP": "wsgi:app", "LIKENESS_ENV": "testing",
           "LIKENESS_INSTANCE": config["INSTANCE_PATH"],
           "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": config["REDIS_URL"],
           "RQ_QUEUE": config["RQ_QUEUE"], "FACE_KEY_FILE": config["FACE_KEY_FILE"],
           "SEARCH_SERVICE": "worker"}
    return subprocess.Popen([sys.executable, "-m", "tests.support.queue_worker", "--search"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _in_app(app: Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` run inside `app`'s context (for another thread)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                _db.session.remove()

    return run


def _search_until_answered(template: np.ndarray, seconds: float) -> list[search.FaceHit]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return search.search(template, actor=CLI, purpose="test", k=None)
        except search_service.SearchUnavailable:
            if time.monotonic() > deadline:
                raise


def test_one_worker_per_machine_holds_the_index_and_another_takes_over(web: Flask):
    policy_settings.set_template_policy(TemplatePolicy.ALL, actor=CLI,
                                 legal_basis="Test: a legal basis beyond consent",
                                 dpia_reference="DPIA-TEST-1",
                                 dpia_version_id=positive_dpia_version())
    staff, _ = accounts.create_staff("lib@example.org", "librarian", password="correct horse 42")
    staff_id = staff.id
    for name in ("obama.jpg", "obama2.jpg", "biden.jpg"):
        assert uploads.add_photo((FIXTURES / name).read_bytes(), name, actor=staff).ok
    run_jobs()  # indexed here; this process keeps no index of its own
    obama_faces = set(_db.session.scalars(select(Face.id).join(Face.asset).where(
        Face.asset.has(original_filename="obama.jpg") | Face.asset.has(
            original_filename="obama2.jpg"))))
    assert len(obama_faces) == 2

    workers = [_start_worker(web), _start_worker(web)]
    obama3 = _template("obama3.jpg")  # while the workers start
    try:
        hits = _search_until_answered(obama3, 60)
        assert {h.face_id for h in hits} == obama_faces  # every match, and Biden not
        assert "likeness.face_index" not in web.extensions  # the web process holds none

        lock = Path(web.config["INSTANCE_PATH"]) / search_service.LOCK_NAME
        (serving,) = _lock_holders(lock)  # exactly one process on the machine serves
        assert serving in {w.pid for w in workers}
        builds = _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "face.templates_decrypted"))
        assert builds == 1  # one index was built on this machine, not one per process

        # A photo page asks for suggestions inside its transaction, which on SQLite holds
        # the write lock while the worker answers: the worker must answer all the same.
        first, second = sorted(obama_faces)
        staff = _db.session.get(StaffUser, staff_id)
        person = tagging.tag_new_person(first, "Barack Example", actor=staff).person_id
        suggestions = tagging.suggest([second], actor=staff)
        assert suggestions[second].person_id == person

        # The serving worker dies holding a query it has taken and not answered: stopped
        # while it waits for queries, it is handed the next one by Redis, then killed.
        os.kill(serving, signal.SIGSTOP)
        taken_key = search_service._taken_key()
        with ThreadPoolExecutor(1) as asker:
            in_flight = asker.submit(_in_app(web, search.search), obama3, actor=CLI,
                                     purpose="test", k=None)
            _wait_for(lambda: get_redis().llen(taken_key) == 1, 10)
            assert get_redis().llen(taken_key) == 1  # the stopped worker took it
            os.kill(serving, signal.SIGKILL)
            # The worker that takes over puts it back and answers it: the asker gets its
            # answer, not "no search worker answered".
            hits = in_flight.result(timeout=30)
        assert {h.face_id for h in hits} == obama_faces
        assert get_redis().llen(taken_key) == 0
        (taken_over,) = _lock_holders(lock)
        assert taken_over != serving and taken_over in {w.pid for w in workers}
        hits = _search_until_answered(obama3, 60)
        assert {h.face_id for h in hits} == obama_faces
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=30)


def test_without_a_search_worker_the_photo_page_works_and_says_why_no_suggestions(
    app: Flask, client: FlaskClient, db: Any, upload: Any, policy_all: None, logged_in: Any,
):
    (asset_id,) = upload("obama.jpg")
    logged_in("librarian")
    app.config.update(SEARCH_SERVICE="worker", SEARCH_TIMEOUT_SECONDS=1)  # none is running
    page = client.get(f"/admin/assets/{asset_id}")
    assert page.status_code == 200
    assert "Suggestions are not shown" in page.get_data(as_text=True)
    # The unanswered query was taken back: no template waits in Redis for a worker.
    assert get_redis().llen(search_service._requests_key()) == 0


def test_find_face_without_a_search_worker_says_what_to_start(
    app: Flask, db: Any, upload: Any, policy_all: None,
):
    upload("obama.jpg")
    app.config.update(SEARCH_SERVICE="worker", SEARCH_TIMEOUT_SECONDS=1)  # none is running
    result = app.test_cli_runner().invoke(args=["find-face", str(FIXTURES / "obama2.jpg")])
    assert result.exit_code != 0
    assert "No search worker answered: start `flask worker`" in result.output
