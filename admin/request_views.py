"""The request queue: work data-subject requests inside their legal deadline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from admin import blueprint, requires
from admin.forms import (
    AssignForm,
    CloseForm,
    ExtendForm,
    LinkPersonForm,
    MatchDecisionForm,
    MessageForm,
    NoteForm,
    PerformForm,
    RefuseForm,
    StaffActionForm,
)
from admin.lookups import person_choice
from likeness.dsr import actions, casework, locate
from likeness.errors import DomainError
from likeness.library import people
from likeness.models import RequestStatus, RequestType, Role
from likeness.staff import accounts, operations

HANDLERS = (Role.PRIVACY_OFFICER,)


@blueprint.get("/requests")
@requires(*HANDLERS)
def request_queue() -> ResponseReturnValue:
    type_ = request.args.get("type") or None
    status = request.args.get("status") or None
    assignee = request.args.get("assignee", type=int)
    rows = casework.queue(type_=type_ if type_ in {t.value for t in RequestType} else None,
                          status=status if status in {s.value for s in RequestStatus} else None,
                          assignee_id=assignee, include_closed=status in {"closed", "refused"})
    return render_template(
        "admin/requests.html", rows=rows, days_left=casework.days_left,
        deadline=casework.current_deadline, types=[t.value for t in RequestType],
        statuses=[s.value for s in RequestStatus], staff_members=accounts.list_all(),
        type_=type_, status=status, assignee=assignee,
    )


@blueprint.get("/requests/<int:request_id>")
@requires(*HANDLERS)
def request_page(request_id: int) -> ResponseReturnValue:
    subject_request = casework.get(request_id)
    return render_template(
        "admin/request.html",
        r=subject_request,
        deadline=casework.current_deadline(subject_request),
        days_left=casework.days_left(subject_request),
        history=casework.status_changes(subject_request.id),
        messages=casework.messages(subject_request.id, include_internal=True),
        actions=casework.actions(subject_request.id),
        candidates=locate.candidates(subject_request.id),
        person=people.get(subject_request.person_id) if subject_request.person_id else None,
        staff_members=accounts.list_all(),
        note_form=NoteForm(), message_form=MessageForm(), extend_form=ExtendForm(),
        refuse_form=RefuseForm(), perform_form=PerformForm(), close_form=CloseForm(),
        action_form=StaffActionForm(), person_form=LinkPersonForm(),
        assign_form=AssignForm(), decision_form=MatchDecisionForm(),
        needs_attention=operations.needs_attention(subject_request.id),
    )


@blueprint.post("/requests/<int:request_id>/<action>")
@requires(*HANDLERS)
def request_action(request_id: int, action: str) -> ResponseReturnValue:
    handler = CASE_ACTIONS.get(action)
    if handler is None:
        abort(404)
    form_class, do = handler
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("admin.request_page", request_id=request_id))
    try:
        message = do(request_id, form)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "info")
    return redirect(url_for("admin.request_page", request_id=request_id))


def _assign(request_id: int, form: AssignForm) -> str:
    casework.assign(request_id, form.assignee.data or None, actor=current_user)
    return _("Assignment saved.")


def _note(request_id: int, form: NoteForm) -> str:
    casework.add_note(request_id, form.body.data or "", actor=current_user)
    return _("Note added.")


def _message(request_id: int, form: MessageForm) -> str:
    casework.send_message(request_id, form.body.data or "", actor=current_user,
                          ask_information=bool(form.ask_information.data))
    return _("Message sent.")


def _extend(request_id: int, form: ExtendForm) -> str:
    casework.extend(request_id, int(form.months.data or 0), form.reason.data or "",
                    actor=current_user)
    return _("Deadline extended; the person was told the reason.")


def _refuse(request_id: int, form: RefuseForm) -> str:
    casework.refuse(request_id, form.reason.data or "", actor=current_user)
    return _("Request refused; the answer is being prepared.")


def _close(request_id: int, form: CloseForm) -> str:
    casework.close(request_id, actor=current_user, outcome=form.outcome.data or "")
    return _("Request closed; the reference photo was deleted.")


def _link_person(request_id: int, form: LinkPersonForm) -> str:
    person_id, _name = person_choice(form.person.data or "")
    locate.link_person(request_id, person_id, actor=current_user)
    return _("Person linked.") if person_id else _("Person unlinked.")


def _locate(request_id: int, form: StaffActionForm) -> str:
    locate.start(request_id, actor=current_user)
    return _("The search has started.")


def _perform(request_id: int, form: PerformForm) -> str:
    actions.perform(request_id, actor=current_user, decision=form.decision.data or "")
    return _("Done; the answer is being prepared.")


# Each case action: the form that validates its post, and what it does.
CASE_ACTIONS: dict[str, tuple[type[FlaskForm], Callable[[int, Any], str]]] = {
    "assign": (AssignForm, _assign),
    "note": (NoteForm, _note),
    "message": (MessageForm, _message),
    "extend": (ExtendForm, _extend),
    "refuse": (RefuseForm, _refuse),
    "close": (CloseForm, _close),
    "link-person": (LinkPersonForm, _link_person),
    "locate": (StaffActionForm, _locate),
    "perform": (PerformForm, _perform),
}


@blueprint.post("/matches/<int:match_id>/<decision>")
@requires(*HANDLERS)
def match_decide(match_id: int, decision: str) -> ResponseReturnValue:
    form = MatchDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    match = locate.decide(match_id, decision, actor=current_user,
                          erasure_choice=form.erasure_choice.data or None)
    return redirect(url_for("admin.request_page", request_id=match.request_id) + "#candidates")


@blueprint.get("/requests/<int:request_id>/progress")
@requires(*HANDLERS)
def request_progress(request_id: int) -> ResponseReturnValue:
    r = casework.get(request_id)
    return {"status": r.search_status, "done": r.search_chunks_done,
            "total": r.search_chunks_total,
            "candidates": len(locate.candidates(request_id))}
