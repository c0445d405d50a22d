"""What this installation actually does with faces, read from its settings and data.

The register of processing, the DPIA's pre-filled part and the dashboard all start here,
so they can never describe a system other than the one running. Everything is plain
JSON (a DPIA version stores it as it was when saved); labels are added by templates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import func, select

from likeness.cockpit import audit_view, holds, processors, purposes, schedules, transparency
from likeness.extensions import db
from likeness.library import policy_settings
from likeness.models import (
    Asset,
    Disclosure,
    Face,
    Person,
    Quitclaim,
    QuitclaimStatus,
    ShareLink,
    StaffUser,
    SubjectRequest,
    utcnow,
)
from likeness.platform.clock import today as amsterdam_today


def collect() -> dict[str, Any]:
    """Every fact the register and the DPIA state, as of now."""
    state = policy_settings.policy_state()
    return {
        "as_of": utcnow().isoformat(timespec="seconds"),
        "organisation": current_app.config["ORGANISATION_NAME"],
        "policy": {
            "value": state.policy.value,
            "legal_basis": state.legal_basis if state.policy.value == "all" else None,
            "dpia_reference": state.dpia_reference if state.policy.value == "all" else None,
            "dpia_version_id": state.dpia_version_id if state.policy.value == "all" else None,
            "changed_at": state.changed_at.isoformat(timespec="seconds")
            if state.changed_at else None,
        },
        "figures": figures(),
        "retention": retention(),
        "recipients": recipients(),
        "access": staff_by_role(),
        "measures": measures(),
        "transfers_outside_eea": current_app.config["TRANSFERS_OUTSIDE_EEA"],
        "dpo_contact": transparency.dpo_contact(),
        "controller_type": current_app.config["CONTROLLER_TYPE"],
        "controller": controller(),
        "purposes": purposes.for_installation(state.policy.value,
                                              current_app.config["CONTROLLER_TYPE"]),
        "processors": processors.as_facts(),
        "recipient_categories": recipient_categories(),
    }


def controller() -> dict[str, str]:
    cfg = current_app.config
    return {"name": cfg["ORGANISATION_NAME"], "address": cfg.get("ORGANISATION_ADDRESS") or "",
            "email": cfg.get("ORGANISATION_EMAIL") or ""}


def retention() -> list[dict[str, Any]]:
    return [{"key": p.key, "value": schedules.value(p), "unit": p.unit}
            for p in schedules.PERIODS]


def figures() -> dict[str, int]:
    today = amsterdam_today()
    return {
        "photos": _count(select(func.count(Asset.id))),
        "faces": _count(select(func.count(Face.id)).where(Face.is_not_a_face.is_(False))),
        "faces_tagged": _count(select(func.count(Face.id)).where(Face.person_id.is_not(None))),
        "templates": _count(select(func.count(Face.id)).where(
            Face.template_ciphertext.is_not(None))),
        "people": _count(select(func.count(Person.id))),
        "minors": _minors(today),
        "no_biometrics": _count(select(func.count(Person.id)).where(
            Person.no_biometrics_at.is_not(None))),
        "quitclaims_active": _count(select(func.count(Quitclaim.id)).where(
            Quitclaim.status == QuitclaimStatus.SIGNED)),
        "biometric_consents": _count(select(func.count(Quitclaim.id)).where(
            Quitclaim.status == QuitclaimStatus.SIGNED,
            Quitclaim.biometric_consent.is_(True), Quitclaim.biometric_withdrawn_at.is_(None))),
        "requests": _count(select(func.count(SubjectRequest.id))),
        "disclosures": _count(select(func.count(Disclosure.id))),
        "legal_holds": len(holds.active()),
    }


def recipients() -> list[dict[str, Any]]:
    """Who received photos: the disclosure register, plus share links it does not hold."""
    rows = db.session.execute(
        select(Disclosure.recipient_name, Disclosure.kind, Disclosure.channel,
               func.count(Disclosure.id), func.max(Disclosure.disclosed_at))
        .group_by(Disclosure.recipient_name, Disclosure.kind, Disclosure.channel)
        .order_by(Disclosure.recipient_name, Disclosure.kind, Disclosure.channel)).all()
    result = [{"name": name, "kind": kind, "channel": channel, "count": count,
               "last": last.date().isoformat() if last else None}
              for name, kind, channel, count, last in rows]
    registered = select(Disclosure.share_link_id).where(Disclosure.share_link_id.is_not(None))
    links = db.session.execute(
        select(ShareLink.recipient_name, ShareLink.channel, func.count(ShareLink.id),
               func.max(ShareLink.created_at))
        .where(ShareLink.id.not_in(registered))
        .group_by(ShareLink.recipient_name, ShareLink.channel)
        .order_by(ShareLink.recipient_name)).all()
    result += [{"name": name, "kind": "share_link", "channel": channel, "count": count,
                "last": last.date().isoformat() if last else None}
               for name, channel, count, last in links]
    return result


def recipient_categories() -> list[dict[str, str]]:
    """The kinds of recipients the disclosure register holds (how and for which channel),
    without names: what the privacy notice states (Art. 13(1)(e))."""
    seen = {(r["kind"], r["channel"]) for r in recipients()}
    return [{"kind": kind, "channel": channel} for kind, channel in sorted(seen)]


def staff_by_role() -> dict[str, int]:
    rows = db.session.execute(select(StaffUser.role, func.count(StaffUser.id))
                              .where(StaffUser.is_active.is_(True))
                              .group_by(StaffUser.role)).all()
    return {role: count for role, count in sorted(rows)}


def measures() -> list[str]:
    """Keys of the security measures that are on in this installation (see templates)."""
    cfg = current_app.config
    on = ["template_encryption", "audit_chain", "argon2_passwords", "roles",
          "exif_stripped", "signed_links", "security_headers"]
    if cfg.get("WTF_CSRF_ENABLED", True):
        on.append("csrf")
    if cfg.get("SESSION_COOKIE_SECURE"):
        on.append("secure_cookies")
    if cfg.get("LOGIN_LIMIT_PER_IP") or cfg.get("LOGIN_LIMIT_PER_EMAIL"):
        on.append("login_throttling")
    on.append("blur_without_consent" if cfg.get("DOWNLOAD_WITHOUT_CONSENT") == "blur"
              else "refuse_without_consent")
    verification = audit_view.last_verification()
    if verification is not None and verification.ok:
        on.append("audit_verified")
    return on


def _minors(today: date) -> int:
    cutoff = today - relativedelta(years=16)
    return _count(select(func.count(Person.id)).where(
        Person.is_minor.is_(True) | (Person.date_of_birth > cutoff)))


def _count(query: Any) -> int:
    return int(db.session.scalar(query) or 0)
