"""Retention periods: settings with defaults, changed by privacy officers (audited).

Stored in the `setting` table like the template policy; a missing row means the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import Setting, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@dataclass(frozen=True)
class Period:
    key: str
    default: int
    minimum: int
    maximum: int
    unit: str  # "days" or "years"
    label: object  # lazy translated text


UNTAGGED_TEMPLATE_DAYS = Period("retention_untagged_template_days", 90, 1, 3650, "days",
                                _l("Templates of faces untagged for"))
CLOSED_REQUEST_YEARS = Period("retention_closed_request_years", 2, 1, 30, "years",
                              _l("Closed requests reduced to a minimal record after"))
EMAIL_DAYS = Period("retention_email_days", 30, 7, 3650, "days",
                    _l("Sent emails deleted after"))
EXPIRED_REVIEW_DAYS = Period("retention_expired_review_days", 0, 0, 365, "days",
                             _l("Photos of an expired quitclaim flagged for review after"))
QUITCLAIM_EVIDENCE_YEARS = Period("retention_quitclaim_evidence_years", 5, 1, 30, "years",
                                  _l("Ended quitclaims kept as evidence for"))

PERIODS = (UNTAGGED_TEMPLATE_DAYS, CLOSED_REQUEST_YEARS, EMAIL_DAYS, EXPIRED_REVIEW_DAYS,
           QUITCLAIM_EVIDENCE_YEARS)


def value(period: Period) -> int:
    row = db.session.get(Setting, period.key)
    if row is None:
        return period.default
    try:
        return int(row.value)
    except ValueError:
        return period.default


def current() -> dict[str, int]:
    return {p.key: value(p) for p in PERIODS}


@use_case
def save(values: dict[str, int], *, actor: Actor) -> list[str]:
    """Store new periods; returns the keys that changed. Each change is audited."""
    changed = []
    for period in PERIODS:
        if period.key not in values:
            continue
        new = values[period.key]
        if not period.minimum <= new <= period.maximum:
            raise InvalidInput(str(_l("A retention period is out of range.")))
        old = value(period)
        if new == old and db.session.get(Setting, period.key) is not None:
            continue
        row = db.session.get(Setting, period.key)
        if row is None:
            row = Setting(key=period.key, value=str(new))
            db.session.add(row)
        row.value = str(new)
        row.updated_at = utcnow()
        row.updated_by_id = actor.staff_id
        if new != old:
            changed.append(period.key)
            audit.record("setting.retention_changed", actor=actor,
                         details={"setting": period.key, "from": old, "to": new})
    return changed
