"""Run-time settings staff can change (stored in the database, defaults from config).

The face template policy is the one that matters legally. In the Netherlands a face
template is special-category data (GDPR Art. 9) and UAVG Art. 29 allows it only for
authentication and security, so the default is `consented-only`. `all` is possible only
when an admin records the legal basis and the DPIA reference; `off` purges every
template at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from likeness.errors import Forbidden, InvalidInput
from likeness.extensions import db
from likeness.faces import templates
from likeness.models import DpiaVersion, Role, Setting, StaffUser, TemplatePolicy
from likeness.models.cockpit import CONSULTATION_DONE
from likeness.platform import audit, clock, stored_settings
from likeness.platform.actor import Actor
from likeness.platform.jobs import Job
from likeness.platform.uow import use_case

TEMPLATE_POLICY = "face_template_policy"
POLICY_BASIS = "template_policy_basis"
POLICY_DPIA = "template_policy_dpia_reference"
# The DPIA version (cockpit) the switch to `all` relied on, when one was chosen.
POLICY_DPIA_VERSION = "template_policy_dpia_version_id"
# Set by the migration that made `consented-only` the default, for libraries that ran
# under another policy: shown as a warning until an admin confirms or changes it.
POLICY_NEEDS_REVIEW = "template_policy_needs_review"


_ENFORCER: list[Job[[], None]] = []


def enforced_by(handle: Job[[], None]) -> Job[[], None]:
    """Register the job that makes stored templates follow the policy
    (`likeness.library.face_templates.enforce_template_policy`): it reads the policy
    from here, so this module queues it without importing it."""
    _ENFORCER[:] = [handle]
    return handle


def template_policy() -> TemplatePolicy:
    row = db.session.get(Setting, TEMPLATE_POLICY)
    return TemplatePolicy(row.value if row else current_app.config["FACE_TEMPLATE_POLICY"])


@dataclass(frozen=True)
class PolicyState:
    policy: TemplatePolicy
    legal_basis: str | None
    dpia_reference: str | None
    changed_at: datetime | None
    changed_by_id: int | None
    needs_review: bool
    dpia_version_id: int | None = None


def policy_state() -> PolicyState:
    """The policy with what was recorded for it (for the settings page and the register).
    Every staff page asks it (the "policy needs review" warning): its five settings are
    read in one query, not one each."""
    keys = (TEMPLATE_POLICY, POLICY_BASIS, POLICY_DPIA, POLICY_NEEDS_REVIEW,
            POLICY_DPIA_VERSION)
    rows = {r.key: r for r in db.session.scalars(select(Setting).where(Setting.key.in_(keys)))}
    row = rows.get(TEMPLATE_POLICY)

    def value(key: str) -> str | None:
        found = rows.get(key)
        return found.value if found else None

    return PolicyState(
        policy=TemplatePolicy(row.value if row else current_app.config["FACE_TEMPLATE_POLICY"]),
        legal_basis=value(POLICY_BASIS),
        dpia_reference=value(POLICY_DPIA),
        changed_at=row.updated_at if row else None,
        changed_by_id=row.updated_by_id if row else None,
        needs_review=value(POLICY_NEEDS_REVIEW) == "1",
        dpia_version_id=int(value(POLICY_DPIA_VERSION) or 0) or None,
    )


@use_case
def set_template_policy(
    policy: TemplatePolicy | str, *, actor: Actor, legal_basis: str = "",
    dpia_reference: str = "", dpia_version_id: int | None = None,
) -> int:
    """Switch the face template policy; returns the number of templates purged.

    `all` needs an admin (or an operator at the command line) and the legal basis and
    DPIA reference, which are stored and audited. `off` purges every template now.
    """
    try:
        policy = TemplatePolicy(policy)
    except ValueError as exc:
        raise InvalidInput(_("Unknown template policy.")) from exc
    legal_basis, dpia_reference = legal_basis.strip(), dpia_reference.strip()
    if policy == TemplatePolicy.ALL:
        if isinstance(actor, StaffUser) and actor.role != Role.ADMIN:
            raise Forbidden(_("Only an administrator can switch face recognition on for "
                              "every face."))
        if not legal_basis:
            raise InvalidInput(_("A template of every face needs a legal basis beyond "
                                 "consent: record the legal basis and the reference of the "
                                 "DPIA."))
        version = _supporting_dpia(dpia_version_id)
        dpia_reference = dpia_reference or version.label
    previous = template_policy()
    _store(TEMPLATE_POLICY, policy.value, actor)
    if policy == TemplatePolicy.ALL:
        _store(POLICY_BASIS, legal_basis[:2000], actor)
        _store(POLICY_DPIA, dpia_reference[:200], actor)
        _store(POLICY_DPIA_VERSION, str(dpia_version_id or ""), actor)
    _store(POLICY_NEEDS_REVIEW, "0", actor)
    purged = 0
    if policy == TemplatePolicy.OFF:
        purged = templates.drop_every_template(reason="template policy off", actor=actor)
    else:
        # Templates follow the new policy in the background (encoding takes time).
        if not _ENFORCER:
            raise RuntimeError("no job enforces the template policy "
                               "(likeness.library.face_templates is not registered)")
        _ENFORCER[0].later()
    details: dict[str, object] = {"from": previous.value, "to": policy.value,
                                  "templates_purged": purged}
    if policy == TemplatePolicy.ALL:
        details["dpia_reference"] = dpia_reference[:200]
        details["dpia_version_id"] = dpia_version_id
    audit.record("setting.template_policy_changed", actor=actor, details=details)
    return purged


def _supporting_dpia(version_id: int | None) -> DpiaVersion:
    """The saved DPIA version `all` relies on: complete, concluded positively, and with
    the AP's prior consultation where a residual risk stays high (Art. 35, 36)."""
    version = db.session.get(DpiaVersion, version_id) if version_id else None
    if version is None:
        raise InvalidInput(_("A template of every face needs a saved DPIA version (Cockpit → "
                             "DPIA): choose the version this policy relies on."))
    if not all(text.strip() for text in (version.description, version.necessity,
                                          version.dpo_advice, version.conclusion)):
        raise InvalidInput(_("%(label)s is incomplete: its description, necessity, DPO advice "
                             "and conclusion must all be filled in.", label=version.label))
    if not version.conclusion_positive:
        raise InvalidInput(_("%(label)s does not conclude that the processing may go ahead.",
                             label=version.label))
    if version.prior_consultation(clock.today()) not in CONSULTATION_DONE:
        raise InvalidInput(_("%(label)s leaves a high residual risk without a prior "
                             "consultation of the Autoriteit Persoonsgegevens (Art. 36) that "
                             "lets the processing go ahead.", label=version.label))
    return version


@use_case
def confirm_template_policy(*, actor: Actor) -> None:
    """An admin confirms the policy an upgrade kept (the warning goes away)."""
    _store(POLICY_NEEDS_REVIEW, "0", actor)
    audit.record("setting.template_policy_confirmed", actor=actor,
                 details={"policy": template_policy().value})


def _value(key: str) -> str | None:
    return stored_settings.read(key)


def _store(key: str, value: str, actor: Actor) -> None:
    stored_settings.store(key, value, actor)
