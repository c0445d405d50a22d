"""RQ entry points. Jobs take primary keys, never objects, and call services.

Every job is idempotent: it may run again after a worker is killed, or be pushed
twice by the outbox, and still have its effect once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from likeness.extensions import db
from likeness.models import OutboxJob, OutboxStatus, utcnow
from likeness.services import (
    consent_portal,
    indexing,
    mail,
    maintenance,
    quitclaims,
    request_response,
    request_search,
    sharing,
)

log = logging.getLogger(__name__)

JOBS: dict[str, Callable[..., Any]] = {
    "deliver_email": mail.deliver,
    "index_asset": indexing.index_asset,
    "enforce_template_policy": indexing.enforce_template_policy,
    "render_quitclaim_pdf": quitclaims.render_pdf,
    "send_recipient_notice": sharing.send_recipient_notice,
    "daily_maintenance": maintenance.run_daily,
    "send_manage_link": consent_portal.deliver_manage_link,
    "prepare_search": request_search.prepare,
    "search_chunk": request_search.scan_chunk,
    "render_response": request_response.render,
}


def register(name: str, func: Callable[..., Any]) -> None:
    """Let a domain module add its job without this module importing it at the top."""
    JOBS[name] = func


def run_outbox_job(outbox_id: int) -> str:
    """Run the job an outbox row describes, once, and mark the row done."""
    # Start from a fresh session: an open transaction left in this thread would
    # read through an old snapshot and not see the row that was just committed.
    db.session.remove()
    try:
        row = db.session.get(OutboxJob, outbox_id)
        if row is None:
            return "missing"
        if row.status == OutboxStatus.DONE.value:
            return "already done"
        job_name = row.job_name
        func = JOBS[job_name]
        args = list(row.args)
        try:
            func(*args)
        except Exception as exc:
            db.session.rollback()
            row = db.session.get(OutboxJob, outbox_id)
            if row is not None:
                # The exception type only: messages (SQL parameters, SMTP replies) can
                # carry names and addresses, and this table is no place for them.
                row.last_error = type(exc).__name__
                db.session.commit()
            log.warning("job %s (outbox %s) failed: %s", job_name, outbox_id,
                        type(exc).__name__)
            raise
        db.session.rollback()  # drop anything the job left uncommitted
        row = db.session.get(OutboxJob, outbox_id)
        if row is None:  # deleted while the job ran: nothing left to mark
            return "missing"
        row.status = OutboxStatus.DONE.value
        row.done_at = utcnow()
        db.session.commit()
        return "done"
    finally:
        db.session.remove()
