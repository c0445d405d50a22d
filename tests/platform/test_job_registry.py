"""Typed jobs: a job is named by its function, queued through its handle, registered by
its own area; and jobs queued by an older version still run after the upgrade."""

from __future__ import annotations

import ast
import importlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from likeness.app import AREAS, create_app
from likeness.extensions import db as _db
from likeness.models import ManageLinkRequest, OutboxJob, OutboxStatus
from likeness.platform import jobs
from likeness.platform.uow import use_case
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "likeness"
# Decorators that register something when their module is imported.
REGISTERING = {"job", "daily_task", "after_restore", "on_gave_up", "on_chain_broken"}
BEFORE = "a7c3e91f2b40"  # the revision before job names were qualified names


def _decorator_names(node: ast.AST) -> set[str]:
    names = set()
    for decorator in getattr(node, "decorator_list", []):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute):
            names.add(target.attr)
        elif isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _registering_modules() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        if any(_decorator_names(node) & REGISTERING for node in tree.body):
            found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found - {"likeness.platform.jobs"}


def _registered_by_areas() -> set[str]:
    found = set()
    for area in AREAS:
        tree = ast.parse((PACKAGE / area / "__init__.py").read_text())
        register = next(n for n in tree.body
                        if isinstance(n, ast.FunctionDef) and n.name == "register_jobs")
        for node in ast.walk(register):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_every_module_with_jobs_or_hooks_is_registered_by_its_area():
    modules = _registering_modules()
    assert "likeness.library.indexing" in modules and len(modules) >= 15
    assert modules - _registered_by_areas() == set()
    # Each area registers only its own modules.
    for area in AREAS:
        importlib.import_module(f"likeness.{area}").register_jobs()
    assert all(m.split(".")[1] in AREAS for m in _registered_by_areas())


def test_a_job_is_named_by_its_function_and_queued_through_its_handle(app: Flask, db: Any):
    registered = jobs.registered()
    assert len(registered) >= 13
    for name, handle in registered.items():
        assert name == f"{handle.__module__}.{handle.__qualname__}"
        assert importlib.import_module(handle.__module__).__dict__[
            handle.__qualname__] is handle

    from likeness.dsr import answer

    @use_case
    def queue() -> OutboxJob:
        return answer.render_answer.later(42)

    row = queue()
    assert (row.job_name, row.args) == ("likeness.dsr.answer.render_answer", [42])


def test_no_code_queues_a_job_by_a_name_written_out():
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "admin").rglob("*.py"),
                 *(ROOT / "portal").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "outbox" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: Any, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet: SQLite, or (with DATABASE_URL) a fresh PostgreSQL one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    # Without PostgreSQL this case is deselected (tests/conftest.py), never skipped.
    admin = os.environ.get("DATABASE_URL", "")
    assert admin.startswith("postgresql"), "the PostgreSQL case needs DATABASE_URL"
    name = f"likeness_jobs_{uuid.uuid4().hex[:8]}"
    plain = admin.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_jobs_queued_before_the_upgrade_run_after_it(
    empty_database: str, tmp_path: Path, redis_url: str, smtp_server: Any
):
    app = create_app(make_config(tmp_path / "app", empty_database, redis_url, smtp_server[0]))
    with app.app_context():
        upgrade(revision=BEFORE)
        for name, args, status in (
                ("send_manage_link", '["someone@example.org"]', "pending"),
                ("send_manage_link", '["earlier@example.org"]', "done"),
                ("enforce_template_policy", "[]", "failed"),
                ("render_response", "[7]", "pending")):
            _db.session.execute(text(
                "INSERT INTO outbox_job (job_name, args, status, attempts, created_at) "
                "VALUES (:name, :args, :status, 0, '2026-12-01 10:00:00')"),
                {"name": name, "args": args, "status": status})
        _db.session.commit()

        upgrade()

        rows = _db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()
        assert [r.job_name for r in rows] == [
            "likeness.consent.portal.deliver_manage_link",
            "likeness.consent.portal.deliver_manage_link",
            "likeness.library.face_templates.enforce_template_policy",
            "likeness.dsr.answer.render_answer"]
        assert all(jobs.is_registered(r.job_name) for r in rows)
        (waiting,) = _db.session.scalars(select(ManageLinkRequest)).all()
        assert waiting.email == "someone@example.org" and rows[0].args == [waiting.id]
        assert rows[1].args == []  # done: the address it held is gone

        # The waiting ones run under their new names.
        assert jobs.run_outbox_job(rows[0].id) == "done"
        assert jobs.run_outbox_job(rows[2].id) == "done"
        assert _db.session.scalars(select(ManageLinkRequest)).all() == []
        assert _db.session.get(OutboxJob, rows[2].id).status == OutboxStatus.DONE
        _db.session.remove()
        _db.engine.dispose()
