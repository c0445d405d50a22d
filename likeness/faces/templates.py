"""The one door through which a face template leaves the database.

A template is biometric data (Art. 9 GDPR). Dropping one takes four things that must
never be forgotten apart: the ciphertext and its key version go, the search index's
change log learns which faces left (so this process and every other one stop matching
them), and the audit log records how many, why and who. Every area that drops templates
(a withdrawal, an erasure, an objection, the template policy, retention, tagging, a
replayed erasure) calls `drop` or `drop_every_template`; `tests/platform/test_architecture.py`
fails when any other code sets a template's ciphertext to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update

from likeness.extensions import db
from likeness.faces import index
from likeness.models import Face
from likeness.platform import audit
from likeness.platform.actor import Actor

AUDIT_ACTION = "face.templates_deleted"


def drop(faces: Iterable[Face], *, reason: str, actor: Actor,
         subject: str | None = None) -> list[int]:
    """Drop the template of each of `faces` that has one, in the current unit of work.

    Returns the ids of the faces whose template went. Faces without a template are left
    alone, and nothing is logged when none had one (the policy job runs often).
    `reason` is a short, fixed phrase (never a name or an address): it goes into the
    audit log, with `subject` (a pseudonymous reference such as `person:12`).
    """
    dropped = [face for face in faces if face.template_ciphertext is not None]
    for face in dropped:
        face.template_ciphertext = None
        face.template_key_version = None
    removed = [face.id for face in dropped]
    if removed:
        index.record_change(removed=removed)
        audit.record(AUDIT_ACTION, actor=actor, subject=subject,
                     details={"count": len(removed), "reason": reason})
    return removed


def drop_every_template(*, reason: str, actor: Actor) -> int:
    """Drop every stored template at once (policy `off`); returns how many went.

    One UPDATE instead of loading each face; every process's index is rebuilt before
    its next search."""
    result = db.session.execute(
        update(Face)
        .where(Face.template_ciphertext.is_not(None))
        .values(template_ciphertext=None, template_key_version=None)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    index.record_bulk_change()
    if count:
        audit.record(AUDIT_ACTION, actor=actor, details={"count": count, "reason": reason})
    return count
