"""The privacy officer's cockpit: dashboard, retention and legal holds, photos to review,
register of processing, DPIA. (Breach log and audit viewer: `cockpit_log_views`.)"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.cockpit.forms import (
    DpiaForm,
    HoldForm,
    NoteForm,
    RetentionForm,
    ReviewForm,
)
from likeness.cockpit import dashboard, dpia, holds, register, retention, review, schedules
from likeness.errors import DomainError
from likeness.models import Role
from likeness.web.ids import bounded_int

OFFICERS = (Role.PRIVACY_OFFICER,)


@blueprint.get("/cockpit/")
@requires(*OFFICERS)
def cockpit_dashboard() -> ResponseReturnValue:
    figures = dashboard.figures()
    return render_template("admin/cockpit/dashboard.html", f=figures,
                           bars=dashboard.chart(figures["months"]))


@blueprint.route("/cockpit/retention", methods=["GET", "POST"])
@requires(*OFFICERS)
def cockpit_retention() -> ResponseReturnValue:
    form = RetentionForm(data={name: schedules.value(period)
                               for name, period in RetentionForm.FIELDS.items()})
    status = 200
    if form.validate_on_submit():
        try:
            changed = schedules.save(form.values(), actor=current_user)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(_("Retention periods saved.") if changed else _("Nothing changed."), "info")
            return redirect(url_for("admin.cockpit_retention"))
    elif form.is_submitted():
        status = 400
    return _retention_page(form, HoldForm(formdata=None), status)


def _retention_page(form: RetentionForm, hold_form: HoldForm,
                    status: int) -> ResponseReturnValue:
    return render_template("admin/cockpit/retention.html", form=form, plans=retention.plan(),
                           hold_form=hold_form, release_form=NoteForm(),
                           active_holds=holds.active(), released_holds=holds.released(),
                           describe=holds.describe), status


@blueprint.post("/cockpit/holds")
@requires(*OFFICERS)
def cockpit_place_hold() -> ResponseReturnValue:
    """A hold that cannot be placed comes back with its errors summarised at the top of
    the form and said at their fields (what was typed stays)."""
    form = HoldForm()
    if form.validate_on_submit():
        try:
            holds.place(form.scope.data, form.target.data or "", form.reason.data or "",
                        actor=current_user)
        except DomainError as exc:
            # The reason and the scope are checked by the form: what is left is the target.
            form.target.errors = [*form.target.errors, exc.message]
            return _retention_page(_retention_form(), form, exc.status)
        flash(_("Legal hold placed."), "info")
        return redirect(url_for("admin.cockpit_retention") + "#holds")
    return _retention_page(_retention_form(), form, 400)


def _retention_form() -> RetentionForm:
    return RetentionForm(formdata=None, data={name: schedules.value(period)
                                              for name, period in RetentionForm.FIELDS.items()})


@blueprint.post("/cockpit/holds/<int:hold_id>/release")
@requires(*OFFICERS)
def cockpit_release_hold(hold_id: int) -> ResponseReturnValue:
    form = NoteForm()
    if form.validate_on_submit():
        try:
            holds.release(hold_id, form.note.data or "", actor=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Legal hold released."), "info")
    else:
        _flash_errors(form)
    return redirect(url_for("admin.cockpit_retention") + "#holds")


@blueprint.route("/cockpit/review", methods=["GET", "POST"])
@requires(*OFFICERS)
def cockpit_review() -> ResponseReturnValue:
    form = ReviewForm()
    flag_id = request.form.get("flag_id", type=bounded_int)
    if form.validate_on_submit() and flag_id:
        try:
            if form.action.data == "delete":
                review.delete_photo(flag_id, actor=current_user)
                flash(_("Photo deleted."), "info")
            else:
                review.keep(flag_id, form.note.data or "", actor=current_user)
                flash(_("Photo kept."), "info")
        except DomainError as exc:
            flash(exc.message, "error")
        return redirect(url_for("admin.cockpit_review"))
    if form.is_submitted():
        _flash_errors(form)
        return redirect(url_for("admin.cockpit_review"))
    return render_template("admin/cockpit/review.html", flags=review.open_flags(),
                           form=form, held=holds.held_asset_ids())


@blueprint.get("/cockpit/register")
@requires(*OFFICERS)
def cockpit_register() -> ResponseReturnValue:
    return render_template("admin/cockpit/register.html", register=register.build())


@blueprint.get("/cockpit/register.pdf")
@requires(*OFFICERS)
def cockpit_register_pdf() -> ResponseReturnValue:
    language = _language()
    document = register.pdf(language, actor=current_user)
    return _pdf(document, f"register-{language}.pdf")


@blueprint.route("/cockpit/dpia", methods=["GET", "POST"])
@requires(*OFFICERS)
def cockpit_dpia() -> ResponseReturnValue:
    latest = dpia.latest()
    form = DpiaForm()
    status = 200
    if not form.is_submitted():
        form = DpiaForm(data={
            "description": latest.description if latest else "",
            "necessity": latest.necessity if latest else "",
            "dpo_advice": latest.dpo_advice if latest else "",
            "conclusion": latest.conclusion if latest else "",
            "risks": [*dpia.starting_risks(), {}],  # one empty row to add a risk
        })
        if latest is not None:
            form.fill_from(latest)
    elif form.validate_on_submit():
        risks = [dpia.Risk(**{k: (v or "") for k, v in entry.data.items()})
                 for entry in form.risks.entries]
        try:
            version = dpia.save(description=form.description.data or "",
                                necessity=form.necessity.data or "", risks=risks,
                                dpo_advice=form.dpo_advice.data or "",
                                conclusion=form.conclusion.data or "", actor=current_user,
                                positive=form.outcome.data == "positive",
                                consultation=form.consultation(), ai_act=form.ai_act())
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(_("Saved as %(label)s.", label=version.label), "info")
            return redirect(url_for("admin.cockpit_dpia_version", version_id=version.id))
    else:
        status = 400
    return render_template("admin/cockpit/dpia.html", form=form, versions=dpia.versions(),
                           **dpia.context(None)), status


@blueprint.get("/cockpit/dpia/<int:version_id>")
@requires(*OFFICERS)
def cockpit_dpia_version(version_id: int) -> ResponseReturnValue:
    version = dpia.get(version_id)
    return render_template("admin/cockpit/dpia_version.html", dpia=version,
                           **dpia.context(version))


@blueprint.get("/cockpit/dpia/<int:version_id>.pdf")
@requires(*OFFICERS)
def cockpit_dpia_pdf(version_id: int) -> ResponseReturnValue:
    language = _language()
    document = dpia.pdf(version_id, language, actor=current_user)
    return _pdf(document, f"dpia-v{dpia.get(version_id).number}-{language}.pdf")


def _language() -> str:
    language = request.args.get("lang", "nl")
    return language if language in ("nl", "en") else "nl"


def _pdf(document: bytes, name: str) -> Response:
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _flash_errors(form: object) -> None:
    for errors in getattr(form, "errors", {}).values():
        for error in errors:
            flash(str(error), "error")
