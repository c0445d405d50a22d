"""The data protection impact assessment (Art. 35): a template pre-filled with how this
installation processes faces, completed by the privacy officer, saved as versions.

Every save is a new version (nothing is overwritten), carrying the facts as they were
then; the face template policy `all` names the version it relied on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.cockpit import facts
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.models import DpiaVersion
from likeness.models.cockpit import AP_OUTCOMES, CONSULTATION_DONE
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.clock import today as local_today
from likeness.platform.pdf import render_pdf
from likeness.platform.uow import use_case
from likeness.translation import lazy_gettext as _l

LEVELS = ("low", "medium", "high")
LEVEL_LABELS = {"low": _l("low"), "medium": _l("medium"), "high": _l("high")}
OUTCOME_LABELS = {"no_objection": _l("no objection: the processing may go ahead"),
                  "conditions": _l("may go ahead under conditions (in the advice)"),
                  "advised_against": _l("advised against the processing")}

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


@dataclass(frozen=True)
class PriorConsultation:
    """The prior consultation of the AP (Art. 36), as the officer recorded it."""

    submitted_on: date | None = None
    reference: str = ""
    period_extended: bool = False
    advice_on: date | None = None
    outcome: str = ""  # one of AP_OUTCOMES, or empty: no advice yet
    advice: str = ""

    def check(self, today: date) -> None:
        if self.outcome and self.outcome not in AP_OUTCOMES:
            raise InvalidInput(_("Choose what the AP advised."))
        if (self.advice_on or self.outcome or self.advice.strip()) and not (
                self.advice_on and self.outcome and self.advice.strip()):
            raise InvalidInput(_("Record the AP's advice whole: its date, what it "
                                 "advised and its text."))
        if self.advice_on and not self.submitted_on:
            raise InvalidInput(_("Give the date the consultation was submitted to the AP."))
        for day in (self.submitted_on, self.advice_on):
            if day is not None and day > today:
                raise InvalidInput(_("A date of the consultation cannot be in the future."))
        if self.submitted_on and self.advice_on and self.advice_on < self.submitted_on:
            raise InvalidInput(_("The AP cannot have advised before the consultation was "
                                 "submitted."))


@dataclass(frozen=True)
class AiActDuties:
    """The deployer duties of the EU AI Act the officer confirms are in place."""

    human_oversight: bool = False
    log_retention: bool = False
    fria: bool = False


@use_case
def save(*, description: str, necessity: str, risks: list[Risk], dpo_advice: str,
         conclusion: str, actor: Actor, positive: bool | None = None,
         consultation: PriorConsultation | None = None,
         ai_act: AiActDuties | None = None) -> DpiaVersion:
    """Save the assessment as a new version, with the facts as they are now. Audited.

    A version is complete or not saved: description, necessity, the DPO's advice and the
    conclusion are filled in, and a positive conclusion ("go") where a residual risk stays
    high needs the prior consultation of the AP done (Art. 36): submitted, with its
    reference, and the AP's advice (not against it) or its 8 (+6) weeks passed."""
    kept = [r for r in risks if r.risk.strip()]
    for risk in kept:
        if {risk.likelihood, risk.severity, risk.residual} - set(LEVELS):
            raise InvalidInput(_("Choose low, medium or high for every risk."))
    if not kept:
        raise InvalidInput(_("Describe at least one risk."))
    if not all(text.strip() for text in (description, necessity, dpo_advice, conclusion)):
        raise InvalidInput(_("Fill in the description, the necessity and proportionality, "
                             "the advice of the data protection officer and the conclusion."))
    consultation = consultation or PriorConsultation()
    ai_act = ai_act or AiActDuties()
    today = local_today()
    consultation.check(today)
    number = (db.session.scalar(select(func.max(DpiaVersion.number))) or 0) + 1
    version = DpiaVersion(
        number=number, facts=facts.collect(), description=description.strip()[:20000],
        necessity=necessity.strip()[:20000], risks=[r.as_dict() for r in kept],
        dpo_advice=dpo_advice.strip()[:20000], conclusion=conclusion.strip()[:20000],
        conclusion_positive=positive,
        ap_consultation_reference=consultation.reference.strip()[:200] or None,
        ap_consultation_submitted_on=consultation.submitted_on,
        ap_period_extended=consultation.period_extended,
        ap_advice_on=consultation.advice_on, ap_outcome=consultation.outcome or None,
        ap_advice=consultation.advice.strip()[:20000] or None,
        ai_act_human_oversight=ai_act.human_oversight,
        ai_act_log_retention=ai_act.log_retention, ai_act_fria=ai_act.fria,
        created_by_id=actor.staff_id)
    state = version.prior_consultation(today)
    if positive and state not in CONSULTATION_DONE:
        raise InvalidInput(_CANNOT_GO[state]())
    db.session.add(version)
    db.session.flush()
    audit.record("dpia.saved", actor=actor, subject=f"dpia:{version.id}",
                 details={"number": number, "risks": len(kept), "positive": positive,
                          "prior_consultation": state,
                          "ai_act_duties": [name for name, done in (
                              ("human_oversight", ai_act.human_oversight),
                              ("log_retention", ai_act.log_retention),
                              ("fria", ai_act.fria)) if done]})
    return version


# Why a positive conclusion cannot be saved yet, per state of the prior consultation.
_CANNOT_GO = {
    "to_submit": lambda: _(
        "A residual risk stays high: the Autoriteit Persoonsgegevens must be consulted first "
        "(Art. 36). Give the date the consultation was submitted and its reference."),
    "awaiting": lambda: _(
        "The AP has not advised yet and its period (Art. 36(2)) has not passed: the "
        "processing may not go ahead yet."),
    "advised_against": lambda: _(
        "The AP advised against the processing: the conclusion cannot be positive."),
}


def next_step(version: DpiaVersion | None) -> str | None:
    """What the officer has to do next about the prior consultation, in words, or None."""
    if version is None:
        return None
    state = version.prior_consultation(local_today())
    ends = format_date(version.ap_period_ends, "long") if version.ap_consultation_submitted_on \
        else ""
    texts = {
        "to_submit": _("A residual risk stays high. Before the processing starts, submit a "
                       "prior consultation to the Autoriteit Persoonsgegevens (Art. 36 GDPR) "
                       "with this DPIA, then record its date and reference here."),
        "awaiting": _("Waiting for the AP's written advice. If none comes by %(date)s "
                      "(Art. 36(2)), the processing may go ahead; record the advice here "
                      "as soon as it arrives.", date=ends),
        "advised_against": _("The AP advised against the processing. Change the processing "
                             "and assess it again; it may not go ahead as it stands."),
        "period_passed": _("The AP's period to advise ended on %(date)s without advice: "
                           "the processing may go ahead (Art. 36(2)).", date=ends),
    }
    return texts.get(state)


@use_case
def pdf(version_id: int, language: str, *, actor: Actor) -> bytes:
    """A version as a PDF in `language`. Audited."""
    version = get(version_id)
    with force_locale(language):
        step = next_step(version)
    document = render_pdf("dpia.html", language=language, dpia=version, facts=version.facts,
                          levels=LEVEL_LABELS, outcomes=OUTCOME_LABELS, next_step=step)
    audit.record("dpia.exported", actor=actor, subject=f"dpia:{version.id}",
                 details={"language": language})
    return document


def context(version: DpiaVersion | None) -> dict[str, Any]:
    """What the DPIA page shows: the facts of a version, or of now for a new one."""
    return {"facts": version.facts if version else facts.collect(), "levels": LEVEL_LABELS,
            "outcomes": OUTCOME_LABELS, "next_step": next_step(version or latest())}
