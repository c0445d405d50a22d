"""What people are told about the processing (Art. 13) and whom they can ask (Art. 37(7)):
the privacy notice and the data protection officer's contact, set by a privacy officer and
linked from every portal page, email and PDF."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from likeness.extensions import db
from likeness.models import Setting, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

PRIVACY_NOTICE = "privacy_notice"
DPO_CONTACT = "dpo_contact"


def privacy_notice() -> str:
    """The notice text staff wrote; empty means the built-in notice is shown."""
    row = db.session.get(Setting, PRIVACY_NOTICE)
    return row.value if row else ""


def dpo_contact() -> str:
    """The DPO's contact, shown in every page footer: a page that needs no database (the
    request form, the "database unavailable" page) still renders when it is down."""
    configured = str(current_app.config.get("DPO_CONTACT") or "")
    try:
        row = db.session.get(Setting, DPO_CONTACT)
    except SQLAlchemyError:
        db.session.rollback()
        return configured
    return row.value if row else configured


@use_case
def update(*, notice: str, dpo: str, actor: Actor) -> None:
    for key, value in ((PRIVACY_NOTICE, notice.strip()[:20000]), (DPO_CONTACT, dpo.strip()[:500])):
        row = db.session.get(Setting, key)
        if row is None:
            row = Setting(key=key, value=value)
            db.session.add(row)
        row.value = value
        row.updated_at = utcnow()
        row.updated_by_id = actor.staff_id
    audit.record("setting.transparency_changed", actor=actor)
