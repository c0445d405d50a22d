"""Names that photos already carried (XMP/IPTC): staff confirm or dismiss them in bulk."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from likeness.library import metadata_import
from likeness.models import Role
from likeness.web.form_fields import valid_ids

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)


@blueprint.get("/library/imported-names")
@requires(*EDITORS)
def imported_names() -> ResponseReturnValue:
    rows = metadata_import.pending()
    on_file = metadata_import.people_named([f.imported_name or "" for f, _a in rows])
    matches = {f.id: on_file.get((f.imported_name or "").casefold(), []) for f, _a in rows}
    return render_template("admin/library/imported_names.html", rows=rows, matches=matches,
                           form=StaffActionForm())


@blueprint.post("/library/imported-names")
@requires(*EDITORS)
def imported_names_decide() -> ResponseReturnValue:
    form = StaffActionForm()
    face_ids = valid_ids(request.form.getlist("face"))
    if not form.validate_on_submit() or not face_ids:
        flash(_("Tick one or more names first."), "error")
        return redirect(url_for("admin.imported_names"))
    if request.form.get("decision") == "dismiss":
        dismissed = metadata_import.dismiss(face_ids, actor=current_user)
        flash(ngettext("%(num)d name dismissed.", "%(num)d names dismissed.", dismissed),
              "info")
        return redirect(url_for("admin.imported_names"))
    result = metadata_import.confirm(face_ids, actor=current_user)
    flash(ngettext("%(num)d face tagged.", "%(num)d faces tagged.", result.tagged), "info")
    if result.people_created:
        flash(ngettext("%(num)d person added.", "%(num)d people added.",
                       result.people_created), "info")
    for face_id, reason in result.refused:
        flash(_("Face %(id)d: %(reason)s", id=face_id, reason=reason), "error")
    return redirect(url_for("admin.imported_names"))
