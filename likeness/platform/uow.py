"""The unit of work: one use case is one transaction.

Mark a service function with `@use_case`. The outermost use case on the call stack
commits once, when it returns; use cases called inside it join its transaction and
never commit on their own. Work that must only happen once the change is durable
(handing jobs to Redis, patching this process's search index, deleting files the
change no longer points at) is registered with `after_commit(fn)`; work that undoes
side effects of a failed change (a file written for a row that was never committed)
with `on_rollback(fn)`.

If the use case raises, the transaction rolls back, the rollback hooks run and no
after-commit hook runs. Hooks run outside the unit of work, so a hook may itself call
a use case (it starts a new transaction).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from likeness.extensions import db
from likeness.platform.database import intends_to_write

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
Hook = Callable[[], object]


class UnitOfWork:
    """The transaction of one use case, with what to do after it commits or fails."""

    def __init__(self) -> None:
        self._after_commit: list[Hook] = []
        self._on_rollback: list[Hook] = []
        # Outbox rows added in this unit of work: relayed to Redis once, after commit.
        self.new_job_ids: list[int] = []
        # The newest audit event of this unit of work (platform.audit_head), if any.
        self.audit_tail: Any = None
        # Set by an audited re-anchor (a restore): the chain legitimately moved back.
        self.audit_reanchoring = False

    def after_commit(self, hook: Hook) -> None:
        self._after_commit.append(hook)

    def on_rollback(self, hook: Hook) -> None:
        self._on_rollback.append(hook)

    def commit(self) -> None:
        db.session.commit()

    def rollback(self) -> None:
        db.session.rollback()

    def run_after_commit(self) -> None:
        _run_all(self._after_commit, "after-commit")

    def run_on_rollback(self) -> None:
        _run_all(self._on_rollback, "rollback")


_current: ContextVar[UnitOfWork | None] = ContextVar("likeness_unit_of_work", default=None)


def current() -> UnitOfWork:
    """The unit of work on the call stack; an error outside one (a write with no owner)."""
    uow = _current.get()
    if uow is None:
        raise RuntimeError("no unit of work: call this from a function marked @use_case")
    return uow


def in_unit_of_work() -> bool:
    return _current.get() is not None


def after_commit(hook: Hook) -> None:
    """Run `hook` once the current unit of work has committed (never if it fails)."""
    current().after_commit(hook)


def on_rollback(hook: Hook) -> None:
    """Run `hook` if the current unit of work fails (to undo a side effect, e.g. a file)."""
    current().on_rollback(hook)


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Join the unit of work on the call stack, or start one that commits at the end."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    _end_read_snapshot()
    uow = UnitOfWork()
    token = _current.set(uow)
    try:
        with intends_to_write():
            yield uow
            uow.commit()
    except BaseException:
        _current.reset(token)
        uow.rollback()
        uow.run_on_rollback()
        raise
    _current.reset(token)
    uow.run_after_commit()


def _end_read_snapshot() -> None:
    """On SQLite, end a read transaction the caller left open before the use case writes.

    A view often reads (a form's choices, a link's row) before it calls the use case.
    Joining that deferred read transaction would make the use case's first write an
    upgrade, which SQLite refuses at once if another process wrote meanwhile. Ending
    it lets the use case begin afresh with BEGIN IMMEDIATE (see platform.database).
    Nothing is lost: outside a unit of work nothing is written.
    """
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()


def use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Make `func` one transaction (or part of the caller's, when nested)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return func(*args, **kwargs)

    return wrapper


def writes_outside_use_case(func: Callable[P, R]) -> Callable[P, R]:
    """Mark plumbing that commits on its own (the outbox relay): its transactions take
    the write lock up front on SQLite, like a use case's."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if in_unit_of_work():
            return func(*args, **kwargs)
        _end_read_snapshot()
        with intends_to_write():
            try:
                result = func(*args, **kwargs)
            except BaseException:
                db.session.rollback()
                raise
            # A read after its last commit (an expired attribute) began a new transaction
            # with the write lock: end it, or every other writer waits for this session.
            db.session.commit()
            return result

    return wrapper


def _run_all(hooks: list[Hook], kind: str) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception as exc:
            # The change itself stands (or was undone); a hook that fails must not turn
            # that into an error page. The type only: messages may carry personal data.
            log.error("%s hook %s failed: %s", kind, getattr(hook, "__qualname__", hook),
                      type(exc).__name__)
