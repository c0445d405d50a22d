"""One use case, one transaction: nested calls join, hooks run only after the commit, and a
job's effect commits together with its outbox row being marked done."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.extensions import db as _db
from likeness.models import OutboxJob, OutboxStatus, Setting
from likeness.platform import mail, outbox
from likeness.platform.jobs import job, run_outbox_job
from likeness.platform.uow import after_commit, on_rollback, use_case


@use_case
def _store(key: str, value: str) -> None:
    _db.session.add(Setting(key=key, value=value))


@use_case
def _store_both_then(fail: bool, events: list[str]) -> None:
    _store("uow-a", "1")  # joins this unit of work: no commit of its own
    after_commit(lambda: events.append("committed"))
    on_rollback(lambda: events.append("rolled back"))
    _store("uow-b", "2")
    if fail:
        raise RuntimeError("boom")


def _keys() -> set[str]:
    return set(_db.session.scalars(select(Setting.key).where(Setting.key.like("uow-%"))))


def test_nested_use_cases_commit_once_together(app: Flask, db: Any):
    events: list[str] = []
    _store_both_then(False, events)
    assert _keys() == {"uow-a", "uow-b"}
    assert events == ["committed"]


def test_a_failure_rolls_back_the_nested_calls_too_and_runs_no_after_commit_hook(
    app: Flask, db: Any
):
    events: list[str] = []
    with pytest.raises(RuntimeError):
        _store_both_then(True, events)
    assert _keys() == set()  # the inner call's row went with the outer failure
    assert events == ["rolled back"]


def test_writing_to_the_outbox_outside_a_use_case_is_refused(app: Flask, db: Any):
    with pytest.raises(RuntimeError, match="unit of work"):
        outbox.add(mail.deliver.name, 1)


def test_an_unknown_job_name_is_refused(app: Flask, db: Any):
    @use_case
    def queue_unknown() -> None:
        outbox.add("no_such_job")

    with pytest.raises(ValueError, match="unknown job"):
        queue_unknown()


@job
def _store_then_maybe_fail(key: str, fail: bool) -> None:
    _store(key, "done")
    if fail:
        raise RuntimeError("the job failed after its write")


@use_case
def _queue(key: str, fail: bool) -> OutboxJob:
    return _store_then_maybe_fail.later(key, fail)


def test_a_job_marks_itself_done_in_the_same_transaction_as_its_effect(app: Flask, db: Any):
    ok = _queue("uow-ok", False)
    failing = _queue("uow-failing", True)
    assert run_outbox_job(ok.id) == "done"
    with pytest.raises(RuntimeError):
        run_outbox_job(failing.id)
    _db.session.expire_all()
    assert _keys() == {"uow-ok"}  # the failed job left no half of its effect
    assert _db.session.get(OutboxJob, ok.id).status == OutboxStatus.DONE
    failed_row = _db.session.get(OutboxJob, failing.id)
    assert failed_row.status != OutboxStatus.DONE
    assert failed_row.last_error == "RuntimeError"
    # Run again (a retry): the done job has no second effect.
    assert run_outbox_job(ok.id) == "already done"
