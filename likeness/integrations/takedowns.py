"""Take-downs at the image banks: an erasure opens one task per integration that holds
copies of the photos concerned (in the disclosure register, with its `external_ids`),
sent as `subject.erased`; the image bank closes it with `POST /api/v1/takedowns/{id}/done`
once its copies are removed, so the erasure answer can say which were removed where."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from likeness.dsr import casework
from likeness.errors import NotFound
from likeness.extensions import db
from likeness.integrations import events
from likeness.models import Integration, SubjectRequest, TakedownReason, TakedownTask, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


def open_for_erasure(request_id: int | None, person_id: int | None,
                     asset_ids: Iterable[int], *, actor: Actor) -> list[TakedownTask]:
    """A task per integration holding these photos, and its `subject.erased` event (in the
    current unit of work; before the photos' rows go, with the image banks' ids)."""
    asset_ids = list(asset_ids)
    tasks: dict[int, TakedownTask] = {}
    for integration_id, external_ids in events.registered(asset_ids).items():
        task = TakedownTask(integration_id=integration_id, external_ids=external_ids,
                            reason=TakedownReason.ERASURE, request_id=request_id)
        db.session.add(task)
        tasks[integration_id] = task
    db.session.flush()
    for task in tasks.values():
        _tell_request(task, "image_bank_told")
    events.subject_changed(
        "subject.erased", person_id=person_id, asset_ids=asset_ids, reason="erasure",
        extra={i: {"takedown_id": task.id} for i, task in tasks.items()})
    if tasks:
        audit.record("integration.takedowns_opened", actor=actor,
                     details={"tasks": [t.id for t in tasks.values()]})
    return list(tasks.values())


@use_case
def complete(task_id: int, *, integration_id: int, actor: Actor) -> TakedownTask:
    """The image bank removed its copies (idempotent; another integration's task is 404)."""
    task = db.session.get(TakedownTask, task_id)
    if task is None or task.integration_id != integration_id:
        raise NotFound(_("No such take-down task."))
    if task.done_at is None:
        task.done_at = utcnow()
        audit.record("disclosure.takedown_done", actor=actor, subject=f"takedown:{task.id}")
        _tell_request(task, "image_bank_removed")
    return task


def _tell_request(task: TakedownTask, kind: str) -> None:
    """The request's answer names the image bank and how many copies (its steps)."""
    request = db.session.get(SubjectRequest, task.request_id) if task.request_id else None
    integration = db.session.get(Integration, task.integration_id)
    if request is not None and integration is not None:
        casework.record_action(request, kind, integration.name,
                               count=len(task.external_ids or []))


def of_request(request_id: int) -> list[tuple[TakedownTask, str]]:
    """The image-bank take-downs of a request, with the integration's name."""
    return [(task, name) for task, name in db.session.execute(
        select(TakedownTask, Integration.name).join(
            Integration, Integration.id == TakedownTask.integration_id)
        .where(TakedownTask.request_id == request_id).order_by(TakedownTask.id)).tuples()]
