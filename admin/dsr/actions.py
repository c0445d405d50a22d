"""The request case page's actions: each one validated by its form, then one use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from admin.dsr.forms import (
    AskForCheckForm,
    AssignForm,
    CloseForm,
    ExtendForm,
    IdentityCheckForm,
    LiftRestrictionForm,
    LinkPersonForm,
    LocateForm,
    MessageForm,
    NoteForm,
    ObjectionDecisionForm,
    ObjectionScopeForm,
    PerformForm,
    RectifyForm,
    RefuseForm,
    RelationshipCheckForm,
    ScopeApprovalForm,
    ScopeForm,
    UnfoundedForm,
)
from admin.forms import StaffActionForm
from admin.library.lookups import person_choice
from likeness.dsr import (
    actions,
    answer,
    casework,
    identity,
    locate,
    objection,
    objection_scope,
    rectification,
    restriction,
    scope,
)


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


def _locate(request_id: int, form: LocateForm) -> str:
    locate.start(request_id, actor=current_user, early_reason=form.early_reason.data or "")
    return _("The search has started.")


def _scope(request_id: int, form: ScopeForm) -> str:
    saved = scope.set_scope(request_id, collections=form.collections.data or [],
                            date_from=form.date_from.data, date_until=form.date_until.data,
                            library_wide_reason=form.library_wide_reason.data or "",
                            actor=current_user)
    if scope.awaiting_approval(saved):
        return _("Scope saved. It goes beyond what the requester named: a second privacy "
                 "officer or an admin must approve it before the search.")
    return _("Scope saved. Start the search when you are ready.")


def _approve_scope(request_id: int, form: ScopeApprovalForm) -> str:
    scope.approve(request_id, reason=form.reason.data or "", actor=current_user)
    return _("Wider scope approved. The search can start.")


def _perform(request_id: int, form: PerformForm) -> str:
    actions.perform(request_id, actor=current_user, decision=form.decision.data or "")
    return _("Done; the answer is being prepared.")


def _ask_person(request_id: int, form: StaffActionForm) -> str:
    identity.ask_person_to_confirm(request_id, actor=current_user)
    return _("We asked the person to confirm through their address on file.")


def _identity_check(request_id: int, form: IdentityCheckForm) -> str:
    identity.record_identity_check(request_id, method=form.method.data or "",
                                   outcome=form.outcome.data or "", why=form.why.data or "",
                                   address=form.address.data or "", actor=current_user)
    return _("Identity check recorded.")


def _ask_for_check(request_id: int, form: AskForCheckForm) -> str:
    identity.ask_requester_for_check(request_id, method=form.method.data or "",
                                     actor=current_user)
    return _("We told the requester that an identity check is needed, and how.")


def _relationship_check(request_id: int, form: RelationshipCheckForm) -> str:
    identity.record_relationship_check(request_id, note=form.note.data or "",
                                       actor=current_user)
    return _("Relationship check recorded.")


def _objection_decision(request_id: int, form: ObjectionDecisionForm) -> str:
    objection.decide(request_id, upheld=form.decision.data == "upheld",
                     grounds=form.grounds.data or "", actor=current_user)
    return _("Decision recorded; the answer is being prepared.")


def _objection_scope(request_id: int, form: ObjectionScopeForm) -> str:
    objection_scope.confirm(request_id, list(form.scope.data or []), actor=current_user)
    return _("Scope confirmed: only this is carried out.")


def _lift_restriction(request_id: int, form: LiftRestrictionForm) -> str:
    restriction.lift(request_id, form.reason.data or "", actor=current_user)
    return _("The person is told first; the restriction ends once that message is sent.")


def _unfounded(request_id: int, form: UnfoundedForm) -> str:
    fee = form.fee_euros.data
    casework.mark_unfounded(request_id, form.reason.data or "",
                            fee_cents=int(fee * 100) if fee else None, actor=current_user)
    return (_("The person was told the fee.") if fee
            else _("Request refused as manifestly unfounded or excessive."))


def _fee_paid(request_id: int, form: StaffActionForm) -> str:
    casework.record_fee_paid(request_id, actor=current_user)
    return _("Payment recorded; the month to answer counts from today.")


def _send_answer(request_id: int, form: StaffActionForm) -> str:
    answer.send(request_id, actor=current_user)
    return _("The answer was sent; the person can download it from their status page.")


def _rectify(request_id: int, form: RectifyForm) -> str:
    rectification.correct(request_id, form.field.data or "", form.value.data or "",
                          actor=current_user)
    return _("The record was corrected; the answer will state the old and the new value.")


def _restrict_contested(request_id: int, form: StaffActionForm) -> str:
    count = rectification.restrict_while_contested(request_id, actor=current_user)
    return ngettext("%(num)d photo restricted while the accuracy is checked.",
                    "%(num)d photos restricted while the accuracy is checked.", count)


# Each case action: the form that validates its post, and what it does.
CASE_ACTIONS: dict[str, tuple[type[FlaskForm], Callable[[int, Any], str]]] = {
    "assign": (AssignForm, _assign),
    "note": (NoteForm, _note),
    "message": (MessageForm, _message),
    "extend": (ExtendForm, _extend),
    "refuse": (RefuseForm, _refuse),
    "close": (CloseForm, _close),
    "link-person": (LinkPersonForm, _link_person),
    "locate": (LocateForm, _locate),
    "scope": (ScopeForm, _scope),
    "approve-scope": (ScopeApprovalForm, _approve_scope),
    "perform": (PerformForm, _perform),
    "ask-person": (StaffActionForm, _ask_person),
    "identity-check": (IdentityCheckForm, _identity_check),
    "ask-for-check": (AskForCheckForm, _ask_for_check),
    "relationship-check": (RelationshipCheckForm, _relationship_check),
    "objection-scope": (ObjectionScopeForm, _objection_scope),
    "objection-decision": (ObjectionDecisionForm, _objection_decision),
    "send-answer": (StaffActionForm, _send_answer),
    "unfounded": (UnfoundedForm, _unfounded),
    "lift-restriction": (LiftRestrictionForm, _lift_restriction),
    "fee-paid": (StaffActionForm, _fee_paid),
    "rectify": (RectifyForm, _rectify),
    "restrict-contested": (StaffActionForm, _restrict_contested),
}
