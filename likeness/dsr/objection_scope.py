"""What an objection covers (Art. 21), and only that is carried out.

The person says what they object to: every use of the photos in which they appear (the
processing based on the organisation's legitimate interest), face recognition, or the use
of their photos on some channels. A privacy officer confirms (or corrects) that scope
before anything is done. Then:

* channels: use on a channel rests on the person's consent (a quitclaim), so objecting to
  it is treated as withdrawing that consent for those channels: final, no decision;
* face recognition: no template of the person is kept or made again under any policy
  ("no biometrics"), and any biometric consent is withdrawn: final, no decision;
* everything: the confirmed photos are restricted at once (Art. 18(1)(d)) and every
  consent withdrawn, and the officer decides (`likeness.dsr.objection.decide`): upheld,
  or rejected on compelling legitimate grounds that the answer states.
"""

from __future__ import annotations

from flask_babel import gettext as _

from likeness.dsr import casework
from likeness.errors import InvalidInput
from likeness.models import Channel, RequestType, SubjectRequest, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case

ALL = "all"
FACE_RECOGNITION = "face_recognition"
CHANNEL = "channel:"

# What an objection can cover, in a fixed order (words: `likeness.web.labels`).
VALUES = [ALL, FACE_RECOGNITION, *(f"{CHANNEL}{c.value}" for c in Channel)]


def clean(values: list[str]) -> list[str]:
    """The scope as stored: known entries only, in a fixed order; at least one."""
    chosen = set(values)
    if chosen - set(VALUES):
        raise InvalidInput(_("Choose what your objection is about from the list."),
                           field="objection_scope")
    if not chosen:
        raise InvalidInput(_("Say what your objection is about."), field="objection_scope")
    return [value for value in VALUES if value in chosen]


def channels(request: SubjectRequest) -> list[str]:
    return [v.removeprefix(CHANNEL) for v in request.objection_scope or []
            if v.startswith(CHANNEL)]


def covers_all(request: SubjectRequest) -> bool:
    return ALL in (request.objection_scope or [])


def covers_face_recognition(request: SubjectRequest) -> bool:
    return FACE_RECOGNITION in (request.objection_scope or [])


def needs_decision(request: SubjectRequest) -> bool:
    """Only an objection to the processing based on legitimate interest is decided; the
    rest is consent-based and ends as a withdrawal does (Art. 7(3))."""
    return covers_all(request)


def next_step(request: SubjectRequest, carried_out: bool) -> str | None:
    """The one decision the officer takes next on an objection: confirm the scope, carry
    it out, decide (only for legitimate-interest processing), or nothing (None)."""
    if request.type != RequestType.OBJECTION:
        return None
    if request.objection_scope_confirmed_at is None:
        return "confirm_scope"
    if not carried_out:
        return "carry_out"
    if needs_decision(request) and request.objection_decision is None:
        return "decide"
    return None


@use_case
def confirm(request_id: int, values: list[str], *, actor: Actor) -> SubjectRequest:
    """The officer confirms (or corrects) what the objection covers. Audited."""
    request = casework.get(request_id)
    if request.type != RequestType.OBJECTION:
        raise InvalidInput(_("Only an objection has a scope to confirm."))
    if casework.carried_out(request.id):
        raise InvalidInput(_("This objection was already carried out; its scope stays as "
                             "it was."))
    scope = clean(values)
    changed = scope != (request.objection_scope or [])
    request.objection_scope = scope
    request.objection_scope_confirmed_at = utcnow()
    request.objection_scope_confirmed_by_id = actor.staff_id
    audit.record("request.objection_scope_confirmed", actor=actor,
                 subject=f"request:{request.id}",
                 details={"scope": scope, "changed": changed})
    return request
