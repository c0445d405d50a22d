"""Tag proposals: the faces signers marked as themselves, confirmed or rejected by staff
in one list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from likeness.consent import self_marks
from likeness.errors import DomainError
from likeness.models import Role
from likeness.web.ids import bounded_int

EDITORS = (Role.LIBRARIAN, Role.PRIVACY_OFFICER)


@blueprint.get("/tag-proposals")
@requires(*EDITORS)
def tag_proposals() -> ResponseReturnValue:
    return render_template("admin/consent/tag_proposals.html",
                           rows=self_marks.pending(), form=StaffActionForm())


@blueprint.post("/tag-proposals")
@requires(*EDITORS)
def tag_proposals_decide() -> ResponseReturnValue:
    """Confirm or reject the ticked proposals, or confirm every one the page showed."""
    form = StaffActionForm()
    if not form.validate_on_submit():
        abort(400)
    decision = request.form.get("decision", "")
    field = "shown" if decision == "confirm_all" else "proposal"
    ids = request.form.getlist(field, type=bounded_int)
    if decision not in {"confirm", "reject", "confirm_all"}:
        abort(400)
    if not ids:
        flash(_("Tick at least one proposal."), "error")
        return redirect(url_for("admin.tag_proposals"))
    confirm = decision != "reject"
    try:
        done = self_marks.decide(ids, confirm=confirm, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(ngettext("%(num)d face tagged; the signer's consent now applies to it.",
                       "%(num)d faces tagged; the signer's consent now applies to them.", done)
              if confirm else ngettext("%(num)d proposal rejected.",
                                       "%(num)d proposals rejected.", done), "info")
    return redirect(url_for("admin.tag_proposals"))
