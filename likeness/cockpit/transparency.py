"""What people are told about the processing (Art. 13) and whom they can ask (Art. 37(7)):
the privacy notice and the data protection officer's contact, set by a privacy officer and
linked from every portal page, email and PDF."""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from likeness.extensions import db
from likeness.models import Setting
from likeness.platform import audit, stored_settings
from likeness.platform.actor import Actor
from likeness.platform.app_state import forget, per_app
from likeness.platform.uow import after_commit, use_case

PRIVACY_NOTICE = "privacy_notice"
DPO_CONTACT = "dpo_contact"
# Every page's footer shows the DPO's contact: read from the database at most this often
# per process (a query on every page was a fifth of a simple page's time). A change
# made here shows at once in this process (`update` forgets it), in others within this.
DPO_CACHE_SECONDS = 30.0
_DPO_CACHE = "likeness.dpo_contact"


def privacy_notice() -> str:
    """The notice text staff wrote; empty means the built-in notice is shown."""
    row = db.session.get(Setting, PRIVACY_NOTICE)
    return row.value if row else ""


def dpo_contact() -> str:
    """The DPO's contact, shown in every page footer: a page that needs no database (the
    request form, the "database unavailable" page) still renders when it is down."""
    configured = str(current_app.config.get("DPO_CONTACT") or "")
    cached: list[tuple[float, str | None]] = per_app(_DPO_CACHE, list)
    if cached and time.monotonic() - cached[0][0] < DPO_CACHE_SECONDS:
        stored = cached[0][1]
    else:
        try:
            row = db.session.get(Setting, DPO_CONTACT)
        except SQLAlchemyError:
            db.session.rollback()
            return configured
        stored = row.value if row else None
        cached[:] = [(time.monotonic(), stored)]
    return stored if stored is not None else configured


@use_case
def update(*, notice: str, dpo: str, actor: Actor) -> None:
    for key, value in ((PRIVACY_NOTICE, notice.strip()[:20000]), (DPO_CONTACT, dpo.strip()[:500])):
        stored_settings.store(key, value, actor)
    audit.record("setting.transparency_changed", actor=actor)
    after_commit(lambda: forget(_DPO_CACHE))
