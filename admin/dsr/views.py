"""The request queue: work data-subject requests inside their legal deadline."""

from __future__ import annotations

import posixpath
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.dsr import candidates as candidate_section
from admin.dsr import confirmations as case_confirmations
from admin.dsr.actions import CASE_ACTIONS
from admin.dsr.forms import (
    CHECK_METHODS,
    AskForCheckForm,
    AssignForm,
    CloseForm,
    ExtendForm,
    IdentityCheckForm,
    LiftRestrictionForm,
    LinkPersonForm,
    LocateForm,
    MatchDecisionForm,
    MessageForm,
    NoteForm,
    ObjectionDecisionForm,
    ObjectionScopeForm,
    PerformForm,
    RectifyForm,
    RefuseForm,
    RegisterRequestForm,
    RelationshipCheckForm,
    ScopeApprovalForm,
    ScopeForm,
    UnfoundedForm,
)
from admin.forms import StaffActionForm
from likeness.dsr import (
    action_texts,
    answer,
    casework,
    identity,
    intake,
    locate,
    objection_scope,
    readiness,
    rectification,
    restriction,
    scope,
    steps,
)
from likeness.errors import DomainError
from likeness.library import people, policy_settings
from likeness.models import RequestStatus, RequestType, Role, SubjectRequest
from likeness.platform.clock import AMSTERDAM
from likeness.staff import accounts, operations
from likeness.web import confirmation
from likeness.web.form_fields import show_error
from likeness.web.ids import bounded_int
from likeness.web.stored_files import send_stored

HANDLERS = (Role.PRIVACY_OFFICER,)
CANDIDATES_PER_PAGE = candidate_section.PER_PAGE


@blueprint.get("/requests")
@requires(*HANDLERS)
def request_queue() -> ResponseReturnValue:
    type_ = request.args.get("type") or None
    status = request.args.get("status") or None
    assignee = request.args.get("assignee", type=bounded_int)
    page = casework.queue(type_=type_ if type_ in {t.value for t in RequestType} else None,
                          status=status if status in {s.value for s in RequestStatus} else None,
                          assignee_id=assignee, include_closed=status in {"closed", "refused"},
                          page=request.args.get("page", 1, type=bounded_int) or 1)
    return render_template(
        "admin/dsr/requests.html", page=page, days_left=casework.days_left,
        deadline=casework.current_deadline, types=[t.value for t in RequestType],
        statuses=[s.value for s in RequestStatus], staff_members=accounts.list_all(),
        type_=type_, status=status, assignee=assignee,
    )


@blueprint.route("/requests/new", methods=["GET", "POST"])
@requires(*HANDLERS)
def request_register() -> ResponseReturnValue:
    """Register a request that reached us outside the portal, with its real receipt time."""
    form = RegisterRequestForm()
    status = 200
    if form.validate_on_submit():
        upload = form.incoming.data
        try:
            registered = intake.register(intake.Registration(
                type=form.type.data or "", name=form.name.data or "",
                received_via=form.received_via.data or "",
                received_at=(form.received_at.data or datetime.min).replace(tzinfo=AMSTERDAM),
                details=form.details.data or "", language=form.language.data or "nl",
                email=form.email.data or "",
                incoming_message=upload.read() if upload else None,
                incoming_filename=(upload.filename or "") if upload else "",
            ), actor=current_user)
        except DomainError as exc:
            show_error(form, exc)  # at its field when it is about one
            status = exc.status
        else:
            flash(_("Request %(ref)s registered; the deadline is %(date)s.",
                    ref=registered.reference,
                    date=format_date(casework.current_deadline(registered), "long")), "info")
            return redirect(url_for("admin.request_page", request_id=registered.id))
    elif request.method == "POST":
        status = 400
    return render_template("admin/dsr/request_new.html", form=form), status


@blueprint.get("/requests/<int:request_id>")
@requires(*HANDLERS)
def request_page(request_id: int) -> ResponseReturnValue:
    subject_request = casework.get(request_id)
    carried_out = casework.carried_out(subject_request.id)
    total = locate.count_candidates(subject_request.id)
    pages = max(1, -(-total // CANDIDATES_PER_PAGE))
    blockers = identity.blockers(subject_request)  # shown, and part of both below
    page = min(max(request.args.get("candidates_page", 1, type=int) or 1, 1), pages)
    return render_template(
        "admin/dsr/request.html",
        r=subject_request,
        progress=steps.progress(subject_request, carried_out=carried_out,
                                reviewed=answer.reviewed(subject_request)),
        carried_out=carried_out, describe=action_texts.describe,
        confirmations=case_confirmations.all_for(subject_request),
        deadline=casework.current_deadline(subject_request),
        days_left=casework.days_left(subject_request),
        history=casework.status_changes(subject_request.id),
        messages=casework.messages(subject_request.id, include_internal=True),
        actions=casework.actions(subject_request.id),
        **candidate_section.page_context(subject_request, page, CANDIDATES_PER_PAGE),
        candidates_total=total, candidates_page=page, candidates_pages=pages,
        person=people.get(subject_request.person_id) if subject_request.person_id else None,
        staff_members=accounts.list_all(),
        note_form=NoteForm(), message_form=MessageForm(), extend_form=ExtendForm(),
        refuse_form=RefuseForm(), perform_form=PerformForm(), close_form=CloseForm(),
        action_form=StaffActionForm(), person_form=LinkPersonForm(),
        assign_form=AssignForm(), decision_form=MatchDecisionForm(),
        locate_form=LocateForm(), scope_form=_scope_form(subject_request),
        scope_approval_form=ScopeApprovalForm(),
        scope_awaiting_approval=scope.awaiting_approval(subject_request),
        identity_form=IdentityCheckForm(), relationship_form=RelationshipCheckForm(),
        objection_form=ObjectionDecisionForm(), unfounded_form=UnfoundedForm(),
        objection_step=objection_scope.next_step(subject_request, carried_out),
        objection_scope_form=ObjectionScopeForm(
            data={"scope": subject_request.objection_scope or []}),
        lift_form=LiftRestrictionForm(),
        can_lift_restriction=restriction.can_lift(subject_request),
        rectify_form=RectifyForm(), rectification=rectification.case_step(subject_request),
        blockers=blockers,
        carry_out_blockers=readiness.carry_out_blockers(subject_request, blockers),
        send_blockers=readiness.send_blockers(subject_request, blockers),
        ask_check_form=AskForCheckForm(),
        check_methods={choice.value: choice.label for choice in CHECK_METHODS},
        not_scanned_notice=case_confirmations.not_scanned_notice(subject_request),
        checked_by=(accounts.get(subject_request.identity_checked_by_id)
                    if subject_request.identity_checked_by_id else None),
        scope_summary=scope.summary(subject_request), scope_is_set=scope.is_set(subject_request),
        policy=policy_settings.template_policy().value,
        person_with_requester_email=(None if subject_request.person_id
                                     else casework.person_with_email(subject_request.email)),
        needs_attention=operations.needs_attention(subject_request.id),
    )


@blueprint.get("/requests/<int:request_id>/files/<kind>")
@requires(*HANDLERS)
def request_file(request_id: int, kind: str) -> ResponseReturnValue:
    key, mimetype = answer.staff_file(request_id, kind, actor=current_user)
    return send_stored(key, mimetype, download_name=posixpath.basename(key))


def _scope_form(subject_request: SubjectRequest) -> ScopeForm:
    """Prefilled with the scope set, or else with what the requester named: the
    collections their words name, and their dates."""
    r = subject_request
    form = ScopeForm(collections=r.scope_collections or ([] if scope.is_set(r)
                                                        else scope.named_collections(r)),
                     date_from=r.scope_from or r.requested_from,
                     date_until=r.scope_until or r.requested_until)
    form.collections.choices = [(c, c) for c in scope.collections()]
    return form


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
    asked = case_confirmations.for_action(action, casework.get(request_id))
    if asked and (page := confirmation.ask(
            asked.title, asked.message, yes=asked.yes, layout="admin/_layout.html",
            back=url_for("admin.request_page", request_id=request_id))):
        return page
    try:
        message = do(request_id, form)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "info")
    return redirect(url_for("admin.request_page", request_id=request_id))


@blueprint.get("/requests/<int:request_id>/progress")
@requires(*HANDLERS)
def request_progress(request_id: int) -> ResponseReturnValue:
    r = casework.get(request_id)
    return {"status": r.search_status, "done": r.search_chunks_done,
            "total": r.search_chunks_total,
            "candidates": locate.count_candidates(request_id),
            "answer_ready": r.response_pdf_path is not None}
