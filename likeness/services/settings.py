"""Run-time settings staff can change (stored in the database, defaults from config)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from likeness.config import TEMPLATE_POLICIES
from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.faces import index
from likeness.models import Face, Setting, StaffUser, utcnow
from likeness.services import audit, outbox

TEMPLATE_POLICY = "face_template_policy"


def template_policy() -> str:
    row = db.session.get(Setting, TEMPLATE_POLICY)
    return row.value if row else str(current_app.config["FACE_TEMPLATE_POLICY"])


def set_template_policy(policy: str, *, actor: StaffUser | str) -> int:
    """Switch the face template policy; `off` purges every stored template.

    Returns the number of templates purged.
    """
    if policy not in TEMPLATE_POLICIES:
        raise InvalidInput(_("Unknown template policy."))
    actor_ref = actor if isinstance(actor, str) else actor.audit_ref
    previous = template_policy()
    row = db.session.get(Setting, TEMPLATE_POLICY)
    if row is None:
        row = Setting(key=TEMPLATE_POLICY, value=policy)
        db.session.add(row)
    row.value = policy
    row.updated_at = utcnow()
    row.updated_by_id = None if isinstance(actor, str) else actor.id
    purged = 0
    if policy == "off":
        purged = purge_all_templates()
    else:
        # Templates follow the new policy in the background (encoding takes time).
        outbox.add("enforce_template_policy")
    audit.record(
        "setting.template_policy_changed",
        actor=actor_ref,
        details={"from": previous, "to": policy, "templates_purged": purged},
    )
    outbox.commit()
    return purged


def purge_all_templates() -> int:
    """Delete every stored template (flushes; the caller commits)."""
    result = db.session.execute(
        update(Face)
        .where(Face.template_ciphertext.is_not(None))
        .values(template_ciphertext=None, template_key_version=None)
    )
    index.bump_version()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
