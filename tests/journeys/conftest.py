"""The journeys of issue 13 in Chromium, on a phone (390x844) and a desktop viewport,
with axe-core run on every page they visit and a screenshot of each.

Screenshots are test artefacts: `test-artifacts/journeys/<test>/NN-<step>-<viewport>.png`
in the checkout (or under `$LIKENESS_TEST_ARTIFACTS`), kept after the run.

Every journey starts from the same demo instance (`likeness.demo.seed`, the real use
cases), made once per test session and copied for each test.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from likeness import demo
from likeness.app import create_app
from likeness.extensions import db, limiter
from tests.conftest import make_config
from tests.journeys.browser import Journey, journey_browser
from tests.support.detection_cache import shared_folder

COPIED = ("committed.db", "instance", "face-keys.json")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, redis_url: str,
                  smtp_server: Any, request: pytest.FixtureRequest) -> Path:
    """The seeded demo, made once per run: the first test process to need it seeds it
    (under a file lock) in a folder every pytest-xdist worker sees, the others wait for
    it and copy it. Finding the faces in the demo's photos goes through the run's
    detection cache, as in any test that is not about detection."""
    folder = shared_folder(tmp_path_factory).parent / "demo-template"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / "ready").exists():
            with pytest.MonkeyPatch.context() as monkeypatch:
                if not request.config.getoption("real_detection"):
                    request.getfixturevalue("detection_cache").wrap(monkeypatch)
                _seed(folder, redis_url, smtp_server)
            (folder / "ready").touch()
    return folder


def _seed(folder: Path, redis_url: str, smtp_server: Any) -> None:
    app = create_app(make_config(folder, f"sqlite:///{folder / 'committed.db'}", redis_url,
                                 smtp_server[0]))
    with app.app_context():
        upgrade()
        demo.seed()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_app(tmp_path: Path, demo_template: Path, redis_url: str,
             smtp_server: Any) -> Iterator[Flask]:
    """A committed app (a browser's server thread sees its data) on a copy of the demo."""
    for name in COPIED:
        source = demo_template / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    app = create_app(make_config(tmp_path, f"sqlite:///{tmp_path / 'committed.db'}",
                                 redis_url, smtp_server[0]))
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def journey(demo_app: Flask, request: pytest.FixtureRequest) -> Any:
    """`with journey(phone=True, locale="nl-NL") as j:` a browser on the demo app."""

    def start(**options: Any) -> Any:
        return journey_browser(demo_app, request.node.name, **options)

    return start


__all__ = ["Journey"]
