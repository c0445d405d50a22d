"""The cockpit's collections page: per collection, whether its photos reveal health and
on which Art. 9 ground, and the Art. 14(5)(b) assessment."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.cockpit.forms import GROUND_LABELS, HealthForm, NoticeExemptionForm
from likeness.consent import tag_notices
from likeness.errors import DomainError
from likeness.library import collection_settings
from likeness.models import Role


@blueprint.get("/cockpit/collections")
@requires(Role.PRIVACY_OFFICER)
def cockpit_collections() -> ResponseReturnValue:
    rows = []
    for name, setting in collection_settings.listing():
        rows.append((name, setting, HealthForm(
            collection=name, reveals_health=bool(setting and setting.reveals_health),
            ground=(setting.health_ground if setting else "") or "",
            note=(setting.health_ground_note if setting else "") or ""),
            NoticeExemptionForm(collection=name, assessment=(
                setting.notice_exemption if setting else "") or "")))
    return render_template("admin/cockpit/collections.html", rows=rows,
                           ground_labels=GROUND_LABELS, pending=tag_notices.pending())


@blueprint.post("/cockpit/collections/health")
@requires(Role.PRIVACY_OFFICER)
def cockpit_collection_health() -> ResponseReturnValue:
    form = HealthForm()
    if form.validate_on_submit():
        try:
            collection_settings.record_health(
                form.collection.data or "", reveals_health=bool(form.reveals_health.data),
                ground=form.ground.data or None, note=form.note.data or "",
                actor=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Recorded for collection \u201c%(name)s\u201d.", name=form.collection.data),
                  "info")
    else:
        _flash_errors(form)
    return redirect(url_for("admin.cockpit_collections"))


@blueprint.post("/cockpit/collections/notice")
@requires(Role.PRIVACY_OFFICER)
def cockpit_collection_notice() -> ResponseReturnValue:
    form = NoticeExemptionForm()
    if form.validate_on_submit():
        try:
            collection_settings.record_notice_exemption(
                form.collection.data or "", form.assessment.data or "", actor=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Recorded for collection \u201c%(name)s\u201d.", name=form.collection.data),
                  "info")
    else:
        _flash_errors(form)
    return redirect(url_for("admin.cockpit_collections"))


def _flash_errors(form: HealthForm | NoticeExemptionForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")
