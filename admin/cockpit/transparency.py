"""Transparency: the privacy notice and the DPO contact the portal shows (set on the
settings page)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.cockpit.forms import TransparencyForm
from likeness.cockpit import transparency
from likeness.models import Role


@blueprint.post("/settings/transparency")
@requires(Role.PRIVACY_OFFICER)
def transparency_settings() -> ResponseReturnValue:
    form = TransparencyForm()
    if form.validate_on_submit():
        transparency.update(notice=form.notice.data or "", dpo=form.dpo.data or "",
                            actor=current_user)
        flash(_("Privacy notice and DPO contact saved."), "info")
    else:
        flash(_("The privacy notice is too long."), "error")
    return redirect(url_for("admin.settings_page"))
