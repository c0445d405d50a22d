"""The data protection impact assessment (Art. 35): a template pre-filled with how this
installation processes faces, completed by the privacy officer, saved as versions.

Every save is a new version (nothing is overwritten), carrying the facts as they were
then; the face template policy `all` names the version it relied on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from likeness.cockpit import facts
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import DpiaVersion
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.pdf import render_pdf
from likeness.platform.uow import use_case

LEVELS = ("low", "medium", "high")
LEVEL_LABELS = {"low": _l("low"), "medium": _l("medium"), "high": _l("high")}

# The risks every image bank with face recognition has; the officer adapts them.
STANDARD_RISKS = (
    (_l("A person is identified in photos without knowing it (function creep, profiling)."),
     _l("Templates only under the recorded policy; no biometrics choice honoured; scans "
        "limited to a scope; every search audited.")),
    (_l("A wrong match: photos of someone else are disclosed or erased."),
     _l("Every match is confirmed by a person before anything is done or disclosed.")),
    (_l("Face templates leak from a backup or the database."),
     _l("Templates encrypted (AES-256-GCM) with keys outside the database; untagged "
        "templates purged after the retention period.")),
    (_l("Photos of children are used without a guardian's consent."),
     _l("Under 16 the guardian signs; no biometric consent is offered to children.")),
    (_l("A photo stays in use after consent was withdrawn or expired."),
     _l("Withdrawal and expiry turn faces red at once, revoke share links and create "
        "take-down tasks.")),
)


@dataclass(frozen=True)
class Risk:
    risk: str
    likelihood: str
    severity: str
    measures: str
    residual: str

    def as_dict(self) -> dict[str, str]:
        return {"risk": self.risk, "likelihood": self.likelihood, "severity": self.severity,
                "measures": self.measures, "residual": self.residual}


def versions() -> list[DpiaVersion]:
    return list(db.session.scalars(select(DpiaVersion).order_by(DpiaVersion.number.desc())))


def latest() -> DpiaVersion | None:
    return db.session.scalars(select(DpiaVersion).order_by(DpiaVersion.number.desc())
                              .limit(1)).first()


def get(version_id: int) -> DpiaVersion:
    version = db.session.get(DpiaVersion, version_id)
    if version is None:
        raise NotFound(_("No such DPIA version."))
    return version


def starting_risks() -> list[dict[str, str]]:
    """The risks a new assessment starts from: the last version's, or the standard ones."""
    previous = latest()
    if previous is not None and previous.risks:
        return [dict(r) for r in previous.risks]
    return [Risk(str(risk), "medium", "high", str(measures), "low").as_dict()
            for risk, measures in STANDARD_RISKS]


@use_case
def save(*, description: str, necessity: str, risks: list[Risk], dpo_advice: str,
         conclusion: str, actor: Actor, positive: bool | None = None,
         ap_reference: str = "") -> DpiaVersion:
    """Save the assessment as a new version, with the facts as they are now. Audited.

    A version is complete or not saved: description, necessity, the DPO's advice and the
    conclusion are filled in, and a positive conclusion where a residual risk stays high
    names the prior consultation of the AP (Art. 36)."""
    kept = [r for r in risks if r.risk.strip()]
    for risk in kept:
        if {risk.likelihood, risk.severity, risk.residual} - set(LEVELS):
            raise InvalidInput(_("Choose low, medium or high for every risk."))
    if not kept:
        raise InvalidInput(_("Describe at least one risk."))
    if not all(text.strip() for text in (description, necessity, dpo_advice, conclusion)):
        raise InvalidInput(_("Fill in the description, the necessity and proportionality, "
                             "the advice of the data protection officer and the conclusion."))
    if positive and any(r.residual == "high" for r in kept) and not ap_reference.strip():
        raise InvalidInput(_("A residual risk stays high: the Autoriteit Persoonsgegevens must "
                             "be consulted first (Art. 36). Give the reference of that "
                             "consultation."))
    number = (db.session.scalar(select(func.max(DpiaVersion.number))) or 0) + 1
    version = DpiaVersion(
        number=number, facts=facts.collect(), description=description.strip()[:20000],
        necessity=necessity.strip()[:20000], risks=[r.as_dict() for r in kept],
        dpo_advice=dpo_advice.strip()[:20000], conclusion=conclusion.strip()[:20000],
        conclusion_positive=positive, ap_consultation_reference=ap_reference.strip()[:200] or None,
        created_by_id=actor.staff_id)
    db.session.add(version)
    db.session.flush()
    audit.record("dpia.saved", actor=actor, subject=f"dpia:{version.id}",
                 details={"number": number, "risks": len(kept), "positive": positive})
    return version


@use_case
def pdf(version_id: int, language: str, *, actor: Actor) -> bytes:
    """A version as a PDF in `language`. Audited."""
    version = get(version_id)
    document = render_pdf("dpia.html", language=language, dpia=version, facts=version.facts,
                          levels=LEVEL_LABELS)
    audit.record("dpia.exported", actor=actor, subject=f"dpia:{version.id}",
                 details={"language": language})
    return document


def context(version: DpiaVersion | None) -> dict[str, Any]:
    """What the DPIA page shows: the facts of a version, or of now for a new one."""
    return {"facts": version.facts if version else facts.collect(), "levels": LEVEL_LABELS}
