"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from likeness.extensions import db as _db


def test_autogenerate_finds_no_difference_between_migrations_and_models(app: Flask, db: Any):
    # The test database was built by `flask db upgrade` (see the `migrated` fixture).
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, _db.metadata)
    assert differences == []


def test_the_database_is_at_the_head_revision(app: Flask, db: Any):
    from alembic.script import ScriptDirectory

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    context = MigrationContext.configure(db.session.connection())
    assert context.get_current_revision() == head
