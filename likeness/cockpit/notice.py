"""The privacy notice (Art. 13 GDPR), generated from the facts the register of
processing states (`likeness.cockpit.facts`, `purposes`, `processors`): controller and
DPO, purposes with their bases, recipients by category, processors, retention per
category, the source, the bystander comparison, rights and remedies. What the register
says and what people are told can therefore never drift apart."""

from __future__ import annotations

from typing import Any

from flask import current_app

from likeness.cockpit import facts, processors, purposes, transparency
from likeness.library import policy_settings


def build() -> dict[str, Any]:
    """The notice's facts; no figures, names of recipients or staff counts (those are
    for the register, not the public)."""
    state = policy_settings.policy_state()
    controller_type = current_app.config["CONTROLLER_TYPE"]
    policy = state.policy.value
    return {
        "controller": facts.controller(),
        "controller_type": controller_type,
        "dpo_contact": transparency.dpo_contact(),
        "policy": {"value": policy,
                   "legal_basis": state.legal_basis if policy == "all" else None},
        "purposes": purposes.for_installation(policy, controller_type),
        "recipient_categories": facts.recipient_categories(),
        "processors": processors.as_facts(),
        "retention": facts.retention(),
        "transfers_outside_eea": current_app.config["TRANSFERS_OUTSIDE_EEA"],
        "labels": {**purposes.LABELS, "service": processors.SERVICE_LABELS},
    }
