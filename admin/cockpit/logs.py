"""The cockpit's logs: the breach log (Art. 33/34) and the audit log viewer."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from admin.access import blueprint, requires
from admin.cockpit.audit_forms import AuditFilterForm, photo_choices
from admin.cockpit.forms import (
    AuthorityForm,
    BreachForm,
    DecisionForm,
    PublicCommunicationForm,
    amsterdam,
    share_link_choices,
)
from admin.forms import StaffActionForm
from likeness.cockpit import audit_view, breaches
from likeness.errors import DomainError
from likeness.models import Role, utcnow
from likeness.web.form_fields import parse_ids

OFFICERS = (Role.PRIVACY_OFFICER,)


@blueprint.route("/cockpit/breaches", methods=["GET", "POST"])
@requires(*OFFICERS)
def cockpit_breaches() -> ResponseReturnValue:
    form = BreachForm()
    form.share_link_ids.choices = share_link_choices()
    status = 200
    if form.validate_on_submit():
        try:
            breach = breaches.record(
                discovered_at=amsterdam(form.discovered_at.data) or utcnow(),
                occurred_at=amsterdam(form.occurred_at.data),
                description=form.description.data or "",
                data_concerned=form.data_concerned.data or "",
                share_link_ids=form.share_link_id_list(),
                disclosure_ids=parse_ids(form.disclosure_ids.data or ""),
                asset_ids=parse_ids(form.asset_ids.data or ""), actor=current_user)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(_("Breach %(ref)s recorded. The Autoriteit Persoonsgegevens must be "
                    "notified within 72 hours of discovery, unless the breach is unlikely "
                    "to result in a risk.", ref=breach.reference), "info")
            return redirect(url_for("admin.cockpit_breach", breach_id=breach.id))
    elif form.is_submitted():
        status = 400
    rows = [(b, breaches.hours_left(b), breaches.notify_by(b)) for b in breaches.listing()]
    return render_template("admin/cockpit/breaches.html", form=form, rows=rows), status


@blueprint.get("/cockpit/breaches/<int:breach_id>")
@requires(*OFFICERS)
def cockpit_breach(breach_id: int) -> ResponseReturnValue:
    breach = breaches.get(breach_id)
    found = breaches.affected(breach)
    with force_locale("nl"):
        notice = render_template("email/breach_notice.txt", breach=breach,
                                 person={"name": "…"}, addressee="…", for_guardian=False)
    return render_template(
        "admin/cockpit/breach.html", breach=breach, affected=found,
        hours_left=breaches.hours_left(breach), notify_by=breaches.notify_by(breach),
        decision_form=DecisionForm(
            notify_authority=_yes_no(breach.notify_authority),
            notify_subjects=_yes_no(breach.notify_subjects),
            reasons=breach.decision_reasons or "",
            likely_consequences=breach.likely_consequences,
            measures_taken=breach.measures_taken, advice=breach.advice,
            late_reasons=breach.late_reasons or ""),
        authority_form=AuthorityForm(), action_form=StaffActionForm(), notice=notice,
        is_late=breaches.is_late(breach),
        public_form=PublicCommunicationForm(text=breach.public_communication or ""))


@blueprint.post("/cockpit/breaches/<int:breach_id>/<action>")
@requires(*OFFICERS)
def cockpit_breach_action(breach_id: int, action: str) -> ResponseReturnValue:
    forms: dict[str, type[FlaskForm]] = {"decide": DecisionForm, "authority": AuthorityForm,
                                         "notify": StaffActionForm, "close": StaffActionForm,
                                         "public": PublicCommunicationForm}
    if action not in forms:
        return redirect(url_for("admin.cockpit_breach", breach_id=breach_id))
    form = forms[action]()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("admin.cockpit_breach", breach_id=breach_id))
    try:
        if isinstance(form, DecisionForm):
            breaches.decide(breach_id, notify_authority=form.notify_authority.data == "yes",
                            notify_subjects=form.notify_subjects.data == "yes",
                            reasons=form.reasons.data or "",
                            likely_consequences=form.likely_consequences.data or "",
                            measures_taken=form.measures_taken.data or "",
                            advice=form.advice.data or "",
                            late_reasons=form.late_reasons.data or "", actor=current_user)
            flash(_("Decision recorded."), "info")
        elif isinstance(form, AuthorityForm):
            breaches.authority_notified(breach_id, form.reference.data or "",
                                        actor=current_user)
            flash(_("Notification to the Autoriteit Persoonsgegevens recorded."), "info")
        elif isinstance(form, PublicCommunicationForm):
            breaches.communicate_publicly(breach_id, form.text.data or "",
                                          actor=current_user)
            flash(_("Public communication recorded."), "info")
        elif action == "notify":
            sent = breaches.notify_people(breach_id, actor=current_user)
            flash(ngettext("Notice sent to %(num)d person.", "Notice sent to %(num)d people.",
                           sent), "info")
        else:
            breaches.close(breach_id, actor=current_user)
            flash(_("Breach closed."), "info")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.cockpit_breach", breach_id=breach_id))


@blueprint.get("/cockpit/audit")
@requires(*OFFICERS)
def cockpit_audit() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    query = request.args.to_dict(flat=True)
    events: list[object] = []
    total = 0
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    status = 200
    if form.validate():
        events, total = audit_view.read(_filters(form), page=page, actor=current_user)  # type: ignore[assignment]
    else:
        status = 400
    return render_template("admin/cockpit/audit.html", form=form, events=events, total=total,
                           page=page, page_size=audit_view.PAGE_SIZE,
                           verification=audit_view.last_verification(),
                           verify_form=StaffActionForm(), photos=photo_choices(),
                           csv_args={k: v for k, v in query.items() if k != "page"},
                           next_args={**query, "page": page + 1}), status


@blueprint.get("/cockpit/audit.csv")
@requires(*OFFICERS)
def cockpit_audit_csv() -> ResponseReturnValue:
    form = AuditFilterForm(request.args)
    if not form.validate():
        flash(_("Check the filters."), "error")
        return redirect(url_for("admin.cockpit_audit"))
    content = audit_view.export_csv(_filters(form), actor=current_user)
    name = f"audit-{utcnow().strftime('%Y%m%d-%H%M')}.csv"
    return Response(content, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.post("/cockpit/audit/verify")
@requires(*OFFICERS)
def cockpit_audit_verify() -> ResponseReturnValue:
    result = audit_view.verify_and_record(actor=current_user)
    if result.ok:
        flash(_("The audit chain is intact."), "info")
    else:
        flash(_("The audit chain is broken at event %(id)s.", id=result.broken_event_id),
              "error")
    return redirect(url_for("admin.cockpit_audit"))


def _filters(form: AuditFilterForm) -> audit_view.Filters:
    return audit_view.Filters(actor=(form.actor.data or "").strip(),
                              action=(form.action.data or "").strip(),
                              person_id=form.person_id, asset_id=form.photo_id,
                              date_from=form.date_from.data, date_to=form.date_to.data)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")
