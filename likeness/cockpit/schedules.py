"""Retention periods: settings with defaults, changed by privacy officers (audited).

Stored in the `setting` table like the template policy; a missing row means the default.
"""

from __future__ import annotations

from dataclasses import dataclass

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import Setting
from likeness.platform import audit, stored_settings
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case
from likeness.translation import lazy_gettext as _l


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

# Lawful defaults for the other categories (docs/legal.md gives each its reason).
PHOTO_YEARS = Period("retention_photo_years", 5, 1, 100, "years",
                     _l("Photos of people without a valid quitclaim deleted after upload plus"))
UNCONSENTED_PERSON_DAYS = Period("retention_unconsented_person_days", 365, 30, 3650, "days",
                                 _l("People without a quitclaim (tagged only) deleted after"))
DISCLOSURE_YEARS = Period("retention_disclosure_years", 5, 1, 30, "years",
                          _l("Entries of the disclosure register deleted after"))
AUDIT_YEARS = Period("retention_audit_years", 5, 1, 30, "years",
                     _l("Audit log events deleted (from the start of the chain) after"))
BREACH_YEARS = Period("retention_breach_years", 5, 1, 30, "years",
                      _l("Closed breaches in the breach log deleted after"))
AGE_ANSWER_DAYS = Period("retention_age_answer_days", 90, 14, 3650, "days",
                         _l("Dates of birth typed on signing links deleted after"))
BACKUP_DAYS = Period("retention_backup_days", 35, 1, 365, "days",
                     _l("Backups deleted (rotated) after"))
# An export can only be downloaded through the request's status link: it never outlives it.
EXPORT_DAYS = Period("retention_export_days", 90, 1, 90, "days",
                     _l("Export ZIPs of an answered request deleted after"))

PERIODS = (UNTAGGED_TEMPLATE_DAYS, CLOSED_REQUEST_YEARS, EMAIL_DAYS, EXPIRED_REVIEW_DAYS,
           QUITCLAIM_EVIDENCE_YEARS, PHOTO_YEARS, UNCONSENTED_PERSON_DAYS, DISCLOSURE_YEARS,
           AUDIT_YEARS, BREACH_YEARS, AGE_ANSWER_DAYS, BACKUP_DAYS, EXPORT_DAYS)


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
        stored_settings.store(period.key, str(new), actor)
        if new != old:
            changed.append(period.key)
            audit.record("setting.retention_changed", actor=actor,
                         details={"setting": period.key, "from": old, "to": new})
    return changed
