"""Run-time settings staff can change (stored in the database, defaults from config)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.faces import index
from likeness.models import Face, Setting, TemplatePolicy, utcnow
from likeness.platform import audit, outbox
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

TEMPLATE_POLICY = "face_template_policy"


def template_policy() -> TemplatePolicy:
    row = db.session.get(Setting, TEMPLATE_POLICY)
    return TemplatePolicy(row.value if row else current_app.config["FACE_TEMPLATE_POLICY"])


@use_case
def set_template_policy(policy: TemplatePolicy | str, *, actor: Actor) -> int:
    """Switch the face template policy; `off` purges every stored template.

    Returns the number of templates purged.
    """
    try:
        policy = TemplatePolicy(policy)
    except ValueError as exc:
        raise InvalidInput(_("Unknown template policy.")) from exc
    previous = template_policy()
    row = db.session.get(Setting, TEMPLATE_POLICY)
    if row is None:
        row = Setting(key=TEMPLATE_POLICY, value=policy.value)
        db.session.add(row)
    row.value = policy.value
    row.updated_at = utcnow()
    row.updated_by_id = actor.staff_id
    purged = 0
    if policy == TemplatePolicy.OFF:
        purged = purge_all_templates()
    else:
        # Templates follow the new policy in the background (encoding takes time).
        outbox.add("enforce_template_policy")
    audit.record(
        "setting.template_policy_changed",
        actor=actor,
        details={"from": previous.value, "to": policy.value, "templates_purged": purged},
    )
    return purged


def purge_all_templates() -> int:
    """Delete every stored template in the current unit of work; returns how many."""
    result = db.session.execute(
        update(Face)
        .where(Face.template_ciphertext.is_not(None))
        .values(template_ciphertext=None, template_key_version=None)
    )
    index.record_bulk_change()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
