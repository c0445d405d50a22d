"""Processors in the cockpit: the list the register and the privacy notice name."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.cockpit.forms import ProcessorForm, RemoveProcessorForm
from likeness.cockpit import processors
from likeness.errors import DomainError
from likeness.models import Role


@blueprint.route("/cockpit/processors", methods=["GET", "POST"])
@requires(Role.PRIVACY_OFFICER)
def cockpit_processors() -> ResponseReturnValue:
    form = ProcessorForm()
    status = 200
    if form.validate_on_submit():
        try:
            processors.add(form.name.data or "", form.service.data or "",
                           form.location.data or "", form.agreement.data or "",
                           actor=current_user)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(_("Processor recorded."), "info")
            return redirect(url_for("admin.cockpit_processors"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/cockpit/processors.html", form=form,
                           processors=processors.listing(), missing=processors.missing(),
                           labels=processors.SERVICE_LABELS,
                           remove_form=RemoveProcessorForm()), status


@blueprint.post("/cockpit/processors/<int:processor_id>/remove")
@requires(Role.PRIVACY_OFFICER)
def cockpit_remove_processor(processor_id: int) -> ResponseReturnValue:
    if not RemoveProcessorForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("admin.cockpit_processors"))
    processors.remove(processor_id, actor=current_user)
    flash(_("Processor removed."), "info")
    return redirect(url_for("admin.cockpit_processors"))
