"""Numbers from URLs and forms that the database can hold.

A 25- or 40-digit id is a valid Python int but not a database integer: SQLite raises
OverflowError binding it, PostgreSQL a DataError. Ids in paths are bounded by the
converter (a larger one matches no route: 404); a number that reaches the database some
other way (a query value) is answered 404 by the handlers below, never 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter, Map

from likeness.extensions import db
from likeness.models.base import MAX_ID

log = logging.getLogger(__name__)



class BoundedIntConverter(IntegerConverter):
    """`<int:...>` with an upper bound the database can hold."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def bounded_int(raw: str) -> int:
    """A query or form value as an id; ValueError (which `request.args.get(..., type=)`
    turns into the default, and `getlist` into a skip) when it is not one."""
    if not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
        raise ValueError("not an id")
    return int(raw)


def _not_found(error: Exception) -> ResponseReturnValue:
    from likeness.web.error_pages import render_error

    db.session.rollback()
    log.info("number out of range: %s", type(error).__name__)
    return render_error(404)


def register_converters(app: Flask) -> None:
    """Before the blueprints: their rules are parsed with the app's converters."""
    app.url_map.converters["int"] = BoundedIntConverter


def register_handlers(app: Flask) -> None:
    app.register_error_handler(OverflowError, _not_found)
    app.register_error_handler(DataError, _not_found)
