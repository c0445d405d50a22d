"""Settings staff change at run time, one row each in the `setting` table (the template
policy, retention periods, the privacy notice): read one, or store one with who and when."""

from __future__ import annotations

from likeness.extensions import db
from likeness.models import Setting, utcnow
from likeness.platform.actor import Actor


def read(key: str) -> str | None:
    row = db.session.get(Setting, key)
    return row.value if row else None


def store(key: str, value: str, actor: Actor) -> Setting:
    """Set `key` to `value` in the current unit of work, stamped with the time and the
    staff member (the caller audits the change in its own words)."""
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value=value)
        db.session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor.staff_id
    return row
