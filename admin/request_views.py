"""The request queue: work data-subject requests inside their legal deadline."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin import blueprint, requires
from admin.forms import (
    CloseForm,
    ExtendForm,
    MessageForm,
    NoteForm,
    PerformForm,
    RefuseForm,
    StaffActionForm,
    TagForm,
)
from admin.lookups import person_choice
from likeness.errors import DomainError
from likeness.models import RequestStatus, RequestType, Role
from likeness.services import (
    people,
    request_actions,
    request_search,
    requests,
    staff,
)

HANDLERS = (Role.PRIVACY_OFFICER,)


@blueprint.get("/requests")
@requires(*HANDLERS)
def request_queue() -> ResponseReturnValue:
    type_ = request.args.get("type") or None
    status = request.args.get("status") or None
    assignee = request.args.get("assignee", type=int)
    rows = requests.queue(type_=type_ if type_ in {t.value for t in RequestType} else None,
                          status=status if status in {s.value for s in RequestStatus} else None,
                          assignee_id=assignee, include_closed=status in {"closed", "refused"})
    return render_template(
        "admin/requests.html", rows=rows, days_left=requests.days_left,
        deadline=requests.current_deadline, types=[t.value for t in RequestType],
        statuses=[s.value for s in RequestStatus], staff_members=staff.list_all(),
        type_=type_, status=status, assignee=assignee,
    )


@blueprint.get("/requests/<int:request_id>")
@requires(*HANDLERS)
def request_page(request_id: int) -> ResponseReturnValue:
    subject_request = requests.get(request_id)
    return render_template(
        "admin/request.html",
        r=subject_request,
        deadline=requests.current_deadline(subject_request),
        days_left=requests.days_left(subject_request),
        history=requests.status_changes(subject_request.id),
        messages=requests.messages(subject_request.id, include_internal=True),
        actions=requests.actions(subject_request.id),
        candidates=request_search.candidates(subject_request.id),
        person=people.get(subject_request.person_id) if subject_request.person_id else None,
        staff_members=staff.list_all(),
        note_form=NoteForm(), message_form=MessageForm(), extend_form=ExtendForm(),
        refuse_form=RefuseForm(), perform_form=PerformForm(), close_form=CloseForm(),
        action_form=StaffActionForm(), person_form=TagForm(),
    )


@blueprint.post("/requests/<int:request_id>/<action>")
@requires(*HANDLERS)
def request_action(request_id: int, action: str) -> ResponseReturnValue:
    try:
        message = _do(request_id, action)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "info")
    return redirect(url_for("admin.request_page", request_id=request_id))


def _do(request_id: int, action: str) -> str:
    form = request.form
    if action == "assign":
        assignee = form.get("assignee", type=int)
        requests.assign(request_id, assignee or None, actor=current_user)
        return _("Assignment saved.")
    if action == "note":
        requests.add_note(request_id, form.get("body", ""), actor=current_user)
        return _("Note added.")
    if action == "message":
        requests.send_message(request_id, form.get("body", ""), actor=current_user,
                              ask_information=bool(form.get("ask_information")))
        return _("Message sent.")
    if action == "extend":
        requests.extend(request_id, form.get("months", type=int) or 0, form.get("reason", ""),
                        actor=current_user)
        return _("Deadline extended; the person was told the reason.")
    if action == "refuse":
        requests.refuse(request_id, form.get("reason", ""), actor=current_user)
        return _("Request refused; the answer is being prepared.")
    if action == "close":
        requests.close(request_id, actor=current_user, outcome=form.get("outcome", ""))
        return _("Request closed; the reference photo was deleted.")
    if action == "link-person":
        person_id, _name = person_choice(form.get("person", ""))
        request_search.link_person(request_id, person_id, actor=current_user)
        return _("Person linked.") if person_id else _("Person unlinked.")
    if action == "locate":
        request_search.start(request_id, actor=current_user)
        return _("The search has started.")
    if action == "perform":
        request_actions.perform(request_id, actor=current_user,
                                decision=form.get("decision", ""))
        return _("Done; the answer is being prepared.")
    abort(404)


@blueprint.post("/matches/<int:match_id>/<decision>")
@requires(*HANDLERS)
def match_decide(match_id: int, decision: str) -> ResponseReturnValue:
    match = request_search.decide(match_id, decision, actor=current_user,
                                  erasure_choice=request.form.get("erasure_choice"))
    return redirect(url_for("admin.request_page", request_id=match.request_id) + "#candidates")


@blueprint.get("/requests/<int:request_id>/progress")
@requires(*HANDLERS)
def request_progress(request_id: int) -> ResponseReturnValue:
    r = requests.get(request_id)
    return {"status": r.search_status, "done": r.search_chunks_done,
            "total": r.search_chunks_total,
            "candidates": len(request_search.candidates(request_id))}
