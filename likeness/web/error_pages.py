"""Error pages: a clear message and the right status, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from likeness.errors import DomainError
from likeness.extensions import db
from likeness.platform.storage import StorageUnavailable
from likeness.translation import lazy_gettext as _l
from likeness.web import problem

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Not found"), _l("This page does not exist, or is not yours to see.")),
    405: (_l("Method not allowed"), _l("This page cannot be used this way.")),
    409: (_l("Conflict"), _l("This conflicts with the current state. Please reload.")),
    410: (_l("Link no longer valid"), _l("This link has been used, has expired or was cancelled.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept. Please send less.")),
    415: (_l("Unsupported file"), _l("This kind of file is not supported.")),
    429: (
        _l("Too many attempts"),
        _l("You tried this too often. Please wait a few minutes and try again."),
    ),
    500: (_l("Something went wrong"), _l("An error occurred on our side. Nothing was saved.")),
    503: (
        _l("Temporarily unavailable"),
        _l("We cannot handle this right now, and nothing was saved. Please try again in a "
           "few minutes."),
    ),
}


def render_error(status: int, message: str | None = None, *,
                 errors: Any = None,
                 next_step: tuple[str, str] | None = None) -> ResponseReturnValue:
    title, default_message = MESSAGES.get(status, MESSAGES[500])
    if problem.is_api_request():
        return problem.response(status, str(message or default_message), errors=errors)
    return (
        render_template(
            "errors/error.html", status=status, title=title, message=message or default_message,
            next_step=next_step,
        ),
        status,
    )


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    # webargs (the API's input parsing) puts the per-field messages here.
    data = getattr(error, "data", None) or {}
    return render_error(status, errors=data.get("messages") if isinstance(data, dict) else None)


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    return render_error(
        400, str(_l("Your form expired or was sent from elsewhere. Please reload and try again."))
    )


def handle_domain_error(error: DomainError) -> ResponseReturnValue:
    db.session.rollback()
    errors = {error.field: [error.message]} if error.field else None
    return render_error(error.status, error.message, errors=errors,
                        next_step=error.next_step)


def handle_database_unreachable(error: Exception) -> ResponseReturnValue:
    """The database is down or unreachable: a 503 saying nothing was saved (it was not:
    a use case commits or nothing), never a 500 with a half-promise."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()  # the connection is gone: drop the session with it
    log.error("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    return render_error(503)


def handle_storage_unavailable(error: StorageUnavailable) -> ResponseReturnValue:
    """The file store (an S3 bucket) is unreachable or refuses: a 503 like the database's.
    A use case that failed on it rolled back, and its rollback hooks removed its files."""
    db.session.rollback()
    log.error("storage unavailable: %s", error)  # a status code, never a key or a name
    return render_error(503)


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    # Roll back so no half-made change is committed by a later request on this session.
    db.session.rollback()
    log.exception("unhandled error")
    return render_error(500)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(OperationalError, handle_database_unreachable)
    app.register_error_handler(InterfaceError, handle_database_unreachable)
    app.register_error_handler(StorageUnavailable, handle_storage_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
