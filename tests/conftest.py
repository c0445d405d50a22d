"""Fixtures: a real Redis, a real SMTP server, a migrated database, and per-test rollback.

The database is SQLite by default, or whatever `DATABASE_URL` names (CI: PostgreSQL).
Redis is an embedded server started for the session, or `REDIS_URL` when set.
Each test runs inside an outer transaction; services' commits become savepoints and
everything is rolled back afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.orm import scoped_session, sessionmaker

from likeness.app import create_app
from likeness.extensions import db as _db
from likeness.extensions import limiter
from likeness.library import upload as uploads
from likeness.platform import embedded_redis
from likeness.platform.known_warnings import KNOWN_WARNINGS
from likeness.staff import accounts
from tests.support.detection_cache import DetectionCache, shared_folder, uses_real_detection
from tests.support.detection_cache import counts as detection_counts
from tests.support.helpers import (
    FIXTURES,
    enrol_two_factor,
    free_port,
    login,
    positive_dpia_version,
    run_jobs,
)

# --- real services ------------------------------------------------------------------


def _xdist_worker() -> int | None:
    """The number of this pytest-xdist worker (gw0 -> 0), or None when not distributed."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name.removeprefix("gw")) if name.startswith("gw") else None


def _redis_for_worker(url: str, worker: int | None) -> str:
    """Each xdist worker gets its own Redis database after the one named: the rate
    limiter's reset between tests must not wipe another worker's counters."""
    if worker is None:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + 1 + worker}"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield _redis_for_worker(os.environ["REDIS_URL"], _xdist_worker())
        return
    directory = tmp_path_factory.mktemp("redis")
    url = embedded_redis.ensure_running(directory)
    yield url
    embedded_redis.stop(directory)


class Mailbox:
    """Messages received by the loopback SMTP server."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in (m["To"] or "")]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Mailbox:
    smtp_server[1].messages.clear()
    return smtp_server[1]


# --- the face engine ----------------------------------------------------------------


@pytest.fixture(scope="session")
def detection_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DetectionCache]:
    cache = DetectionCache(shared_folder(tmp_path_factory))
    yield cache
    cache.write_counts()


@pytest.fixture(autouse=True)
def reuse_detection(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests not about detection reuse what the real engine found on the same photo earlier
    in this run (tests/support/detection_cache.py); tests about it always run the engine."""
    if not (uses_real_detection(request.node) or request.config.getoption("real_detection")):
        request.getfixturevalue("detection_cache").wrap(monkeypatch)


# --- database -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in the session's temporary folder, or `DATABASE_URL`; under pytest-xdist each
    worker gets a PostgreSQL database of its own next to the one named."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    worker = _xdist_worker()
    if worker is None or not url.startswith("postgresql"):
        yield url
        return
    admin = make_url(url)
    name = f"{admin.database}_gw{worker}"
    _postgres_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                    f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    _postgres_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_admin(url: URL, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def make_config(tmp: Path, database_url: str, redis_url: str, smtp: Controller) -> dict[str, Any]:
    key_file = tmp / "face-keys.json"
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "INSTANCE_PATH": str(tmp / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        # A fresh queue per app: no queued job leaks from one test into the next.
        "RQ_QUEUE": f"test-{uuid.uuid4().hex[:12]}",
        "MAIL_SERVER": smtp.hostname,
        "MAIL_PORT": smtp.port,
        "FACE_KEY_FILE": str(key_file),
    }


@pytest.fixture(scope="session")
def migrated(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    redis_url: str,
    smtp_server: tuple[Controller, Mailbox],
) -> str:
    """Apply the Alembic migrations once per session; the schema under test is theirs."""
    tmp = tmp_path_factory.mktemp("migrate")
    app = create_app(make_config(tmp, database_url, redis_url, smtp_server[0]))
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return database_url


class KeepAliveScopedSession(scoped_session):  # type: ignore[type-arg]
    """The test's session outlives each request and job.

    Requests and jobs end with `db.session.remove()`; in production that closes the
    session. Here test and app share one session on the outer transaction, so closing
    it would detach the test's objects: expire them instead (the next access reloads).
    """

    def remove(self) -> None:
        if self.registry.has():
            self.registry().expire_all()

    def really_remove(self) -> None:
        super().remove()


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g`), as in production.

    The test holds an app context open for database access; without this, Flask
    would reuse it for every request and `g` (the logged-in user, the locale)
    would leak from one request into the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Settings a test module changes for its apps (override this fixture there)."""
    return {}


_LIMITER_STORAGE = "tests.limiter_storage"


@pytest.fixture(scope="module")
def module_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated: str,
    redis_url: str,
    smtp_server: tuple[Controller, Mailbox],
) -> Iterator[Flask]:
    """One app for a whole module that asks for it (`pytestmark = pytest.mark.shared_app`):
    for modules of many short tests, where building the app would be most of each test's
    time. Each test still runs in its own transaction. Settings the whole module needs are
    the marker's keywords (`pytest.mark.shared_app(API_RATE_LIMIT="3 per minute")`)."""
    marker = request.node.get_closest_marker("shared_app")
    tmp = tmp_path_factory.mktemp("module-app")
    app = create_app({**make_config(tmp, migrated, redis_url, smtp_server[0]),
                      **(marker.kwargs if marker else {})})
    app.test_client_class = FreshContextClient
    app.extensions[_LIMITER_STORAGE] = limiter.storage  # what create_app bound it to
    yield app
    shutil.rmtree(tmp / "instance", ignore_errors=True)


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated: str,
    redis_url: str,
    smtp_server: tuple[Controller, Mailbox],
    app_overrides: dict[str, Any],
) -> Iterator[Flask]:
    if request.node.get_closest_marker("shared_app"):
        assert not app_overrides, "a shared app's settings are its marker's keywords"
        app: Flask = request.getfixturevalue("module_app")
        settings = dict(app.config)
        # Files kept beside the database (the audit chain's head, stored photos) must
        # not outlive the test's rolled-back transaction.
        app.config["INSTANCE_PATH"] = str(tmp_path / "instance")
        app.config["RQ_QUEUE"] = f"test-{uuid.uuid4().hex[:12]}"  # no job from the last test
        # Every create_app binds the one rate limiter to that app's Redis: an app an earlier
        # test built (a production one on its own embedded Redis, since stopped) must not
        # keep it. Adds no second set of request hooks (Flask-Limiter checks).
        if limiter.storage is not app.extensions[_LIMITER_STORAGE]:
            limiter.init_app(app)
            app.extensions[_LIMITER_STORAGE] = limiter.storage
    else:
        app = create_app({**make_config(tmp_path, migrated, redis_url, smtp_server[0]),
                          **app_overrides})
        app.test_client_class = FreshContextClient
        settings = dict(app.config)
    # What the app builds on first use (app.extensions: its storage on INSTANCE_PATH, the
    # face index, the API keys' last-use stamps, ...) would outlive the rolled-back test
    # in a shared app: each test starts with what create_app made, as a new app would.
    built_by_create_app = set(app.extensions)
    with app.app_context():
        # Flask-Limiter keeps the key prefix of the first app it saw: start each test
        # with no counters instead.
        limiter.reset()
        _forget_login_failures()
        connection = _db.engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        _db.session = KeepAliveScopedSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            yield app
        finally:
            _db.session.really_remove()
            _db.session = original_session
            if transaction.is_active:
                transaction.rollback()
            connection.close()
            _db.engine.dispose()
            # A shared app goes on to the next test with the settings it started with.
            app.config.clear()
            app.config.update(settings)
            for key in set(app.extensions) - built_by_create_app:
                del app.extensions[key]
    shutil.rmtree(tmp_path / "instance", ignore_errors=True)


@pytest.fixture
def db(app: Flask) -> Any:
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory, redis_url: str,
                         smtp_server: tuple[Controller, Mailbox]) -> Path:
    """An empty SQLite file with the Alembic migrations applied, once per session: each
    committed app starts from a copy of it, which is what migrating its own file would
    give, without running the migrations (a second of CPU) again for every test."""
    folder = tmp_path_factory.mktemp("migrated-sqlite")
    path = folder / "committed.db"
    app = create_app(make_config(folder, f"sqlite:///{path}", redis_url, smtp_server[0]))
    with app.app_context():
        upgrade()
        _db.session.remove()
        _db.engine.dispose()  # the last connection folds the WAL into the file
    return path


@pytest.fixture
def committed_app(
    tmp_path: Path, redis_url: str, smtp_server: tuple[Controller, Mailbox],
    migrated_sqlite_file: Path,
) -> Iterator[Flask]:
    """An app on its own fresh SQLite file whose commits are real.

    For tests where a second process (a worker, a browser's server thread) must see
    the data. Always SQLite, so it never touches the shared PostgreSQL database.
    """
    path = tmp_path / "committed.db"
    shutil.copyfile(migrated_sqlite_file, path)
    app = create_app(make_config(tmp_path, f"sqlite:///{path}", redis_url, smtp_server[0]))
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


# --- helpers ------------------------------------------------------------------------


@pytest.fixture
def make_staff(app: Flask) -> Any:
    def make(role: str = "admin", email: str | None = None, password: str = "correct horse 42"):
        user, _ = accounts.create_staff(
            email or f"{role}-{uuid.uuid4().hex[:6]}@example.org", role, password=password
        )
        if role in app.config["STAFF_2FA_ROLES"]:
            enrol_two_factor(user)  # required for the role; the login helper enters codes
        return user

    return make


@pytest.fixture
def logged_in(client: FlaskClient, make_staff: Any) -> Any:
    """Log a new staff member of `role` in on `client`; returns the user."""

    def do(role: str = "admin") -> Any:
        user = make_staff(role)
        response = login(client, user.email, "correct horse 42")
        assert response.status_code == 302
        return user

    return do


@pytest.fixture
def librarian(make_staff: Any) -> Any:
    return make_staff("librarian")


@pytest.fixture
def upload(app: Flask, librarian: Any) -> Any:
    """Upload fixture photos and index them; returns the asset ids in order."""

    def do(*names: str, index: bool = True) -> list[int]:
        ids = []
        for name in names:
            result = uploads.add_photo((FIXTURES / name).read_bytes(), name, actor=librarian)
            assert result.ok, result.error
            ids.append(result.asset_id)
        if index:
            run_jobs()
        return ids

    return do


@pytest.fixture
def policy_all(app: Flask) -> None:
    """Template policy `all`, as an admin records it (legal basis and DPIA reference)."""
    from likeness.library import policy_settings
    from likeness.models import TemplatePolicy
    from likeness.platform.actor import CLI

    policy_settings.set_template_policy(TemplatePolicy.ALL, actor=CLI,
                                 legal_basis="Test: a legal basis beyond consent",
                                 dpia_reference="DPIA-TEST-1",
                                 dpia_version_id=positive_dpia_version())


@pytest.fixture
def tagged_barack(app: Flask, db: Any, upload: Any, librarian: Any) -> Any:
    """obama.jpg and two_people.jpg indexed; the obama faces tagged to Barack."""
    from datetime import date

    from sqlalchemy import select

    from likeness.library import tagging
    from likeness.models import Face, Person
    from tests.support.scenarios import Scenario

    obama, group = upload("obama.jpg", "two_people.jpg")
    faces = {a: db.session.scalars(select(Face).where(Face.asset_id == a)
                                   .order_by(Face.left)).all() for a in (obama, group)}
    tagging.tag_new_person(faces[obama][0].id, "Barack Obama", actor=librarian)
    person = db.session.get(Person, faces[obama][0].person_id)
    person.email = "barack@example.org"
    person.date_of_birth = date(1961, 8, 4)
    db.session.commit()
    tagging.tag(faces[group][0].id, person.id, actor=librarian)
    return Scenario(person, obama, group)


# --- the PostgreSQL pass ------------------------------------------------------------------


def _uses_the_named_database(item: pytest.Item) -> bool:
    """Whether a test runs against `DATABASE_URL`: through the migrated test database, or
    as the PostgreSQL case of a test parametrised over both databases."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "postgresql" in params.values():
        return True
    if "sqlite" in params.values():
        return False
    return "migrated" in getattr(item, "fixturenames", ())


def _forget_login_failures() -> None:
    """Failed logins per account live in Redis for a week (likeness.staff.login_guard).
    With a shared `REDIS_URL` they would carry over from earlier tests and earlier runs of
    the suite, and freeze the accounts the tests fail on purpose: start each test without."""
    from likeness.platform.queue import get_redis

    redis = get_redis()
    keys = list(redis.scan_iter(match="likeness:login-failures:*", count=500))
    if keys:
        redis.delete(*keys)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--real-detection", action="store_true", dest="real_detection",
                     help="every test runs the face engine (no results reused within the run)")


def pytest_configure(config: pytest.Config) -> None:
    """The dependencies' known import-time warnings, by exact message and module, after
    pyproject's "error" (later filters win): the same list production uses."""
    for known in KNOWN_WARNINGS:
        config.addinivalue_line(
            "filterwarnings", f"ignore:{known.message}:{known.category}:{known.module}"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL, leave out the PostgreSQL cases of tests parametrised over both
    databases. On the PostgreSQL pass (`DATABASE_URL` names one, as in `.ci/run`), run only the
    tests that use it. The others (browser journeys on their own SQLite demo copy,
    processes started on a committed SQLite file, pure functions) ran in the first pass
    and would run exactly the same again; they are deselected, never counted as passed."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        # Without PostgreSQL its cases cannot run: deselected, not skipped.
        postgres_only = [item for item in items if "postgresql" in getattr(
            getattr(item, "callspec", None), "params", {}).values()]
        if postgres_only:
            config.hook.pytest_deselected(items=postgres_only)
            items[:] = [item for item in items if item not in postgres_only]
        return
    if config.getoption("markexpr", "") == "load":
        return
    keep = [item for item in items if _uses_the_named_database(item)]
    dropped = [item for item in items if not _uses_the_named_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_sessionstart(session: pytest.Session) -> None:
    """The browser journeys count the page states they check from zero in each run (in the
    controlling process only: pytest-xdist's workers add to the same count)."""
    if not hasattr(session.config, "workerinput"):
        from tests.journeys.browser import reset_state_count

        reset_state_count()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The test process's Chromium (tests/support/browser.py), if a test started it."""
    from tests.support.browser import close_browser

    close_browser()


def _detection_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """How often the face engine ran for tests not about detection, and how often its
    result was reused (summed over the xdist workers)."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return
    computed, reused = detection_counts(shared_folder(factory))
    if computed or reused:
        terminalreporter.write_line(
            f"face detection outside tests/faces: {computed} results computed by the engine, "
            f"{reused} reused (tests/support/detection_cache.py)")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    """How many page states the browser journeys checked with axe-core (WCAG 2.2 AA), and
    how often face detection ran or was reused."""
    _detection_summary(terminalreporter, config)
    from tests.journeys.browser import state_count

    checks, pages = state_count()
    if checks:
        terminalreporter.write_sep("-", "accessibility")
        terminalreporter.write_line(
            f"axe-core (WCAG 2.2 AA) checked {checks} page states (page x viewport) "
            f"on {pages} distinct pages")
