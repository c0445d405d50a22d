"""The drafted answer, read on screen: the review step of a request in one click."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from admin.access import blueprint, requires
from admin.dsr import confirmations as case_confirmations
from admin.forms import StaffActionForm
from likeness.dsr import answer, readiness
from likeness.models import Role


@blueprint.get("/requests/<int:request_id>/answer")
@requires(Role.PRIVACY_OFFICER)
def request_answer(request_id: int) -> ResponseReturnValue:
    """The answer's text as drafted (the PDF stays the document sent). Opening it is an
    audited read of the draft, which is what the case page's Review step waits for."""
    subject_request = answer.read(request_id, actor=current_user)
    return render_template(
        "admin/dsr/answer.html", r=subject_request,
        send_blockers=readiness.send_blockers(subject_request),
        send_confirmation=case_confirmations.for_action("send-answer", subject_request),
        action_form=StaffActionForm(),
    )
