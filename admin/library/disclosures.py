"""Take-down tasks: disclosed photos that must come down (withdrawal, erasure, ...)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.library.forms import TakedownDoneForm
from likeness.library import disclosures
from likeness.models import Role

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)


@blueprint.get("/takedowns")
@requires(*EDITORS)
def takedown_list() -> ResponseReturnValue:
    return render_template("admin/library/takedowns.html", rows=disclosures.open_tasks(),
                           form=TakedownDoneForm())


@blueprint.post("/takedowns/<int:task_id>/done")
@requires(*EDITORS)
def takedown_done(task_id: int) -> ResponseReturnValue:
    form = TakedownDoneForm()
    if form.validate_on_submit():
        disclosures.complete_task(task_id, note=form.note.data or "", actor=current_user)
        flash(_("Marked as taken down."), "info")
    return redirect(url_for("admin.takedown_list"))
