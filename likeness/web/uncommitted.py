"""A request must not end with changes that nobody commits.

A view that writes (an audit event for a read, say) outside a `@use_case` flushes rows that
the end of the request silently rolls back: "every read is audited" would be false, and a
test client sharing the session would never notice. Each request remembers where the
session stood when it began; when it ends with rows flushed since then and not committed, or
with new, changed or deleted objects still pending, that is a bug in the view: an error in
tests, a logged error (no personal data: only the endpoint) elsewhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from likeness.extensions import db

log = logging.getLogger(__name__)

_STATE = "likeness.write_state"
# Where a session created during the request starts: nothing committed, flushed or pending.
_FRESH: tuple[int, int, set[object], set[object], set[object]] = (0, 0, set(), set(), set())


class UncommittedChanges(RuntimeError):
    """A request ended with database changes no unit of work committed."""


@dataclass
class _WriteState:
    generation: int = 0  # commits and rollbacks so far
    flushes: int = 0  # flushes since the last commit or rollback


def _state(session: Session) -> _WriteState:
    return session.info.setdefault(_STATE, _WriteState())


def _flushed(session: Session, _context: object) -> None:
    _state(session).flushes += 1


def _ended(session: Session) -> None:
    state = _state(session)
    state.generation += 1
    state.flushes = 0


def register(app: Flask) -> None:
    if not event.contains(Session, "after_flush", _flushed):
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "after_commit", _ended)
        event.listen(Session, "after_soft_rollback", lambda session, _previous: _ended(session))
    app.before_request(_remember_start)
    app.after_request(_refuse_uncommitted)


def _modified(session: Session) -> set[object]:
    return {obj for obj in session.dirty if session.is_modified(obj)}


def _remember_start() -> None:
    # Most pages never touch the database: creating the request's session only to
    # remember that it is empty cost a session object and its clean-up on every page.
    # No session yet means the start is a fresh session's (see _refuse_uncommitted).
    if not db.session.registry.has():
        g.likeness_write_start = _FRESH
        return
    session = db.session()
    state = _state(session)
    g.likeness_write_start = (state.generation, state.flushes, set(session.new),
                              set(session.deleted), _modified(session))


def _refuse_uncommitted(response: Response) -> Response:
    start = g.pop("likeness_write_start", None)
    if start is None or (start is _FRESH and not db.session.registry.has()):
        return response  # no start recorded, or no session used by this request
    generation, flushes, new, deleted, modified = start
    session = db.session()
    state = _state(session)
    flushed = state.flushes > (flushes if state.generation == generation else 0)
    pending = bool(set(session.new) - new or set(session.deleted) - deleted
                   or _modified(session) - modified)
    if not (flushed or pending):
        return response
    message = (f"{request.method} {request.endpoint} ended with database changes that no "
               "unit of work committed (mark the service it calls @use_case)")
    if current_app.config.get("TESTING"):
        raise UncommittedChanges(message)
    log.error(message)
    return response
