"""Settings that shape the processing of biometric data (documented for the DPIA)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin import blueprint, requires
from admin.forms import TemplatePolicyForm
from likeness.models import Role
from likeness.staff import settings


@blueprint.route("/settings", methods=["GET", "POST"])
@requires(Role.PRIVACY_OFFICER)
def settings_page() -> ResponseReturnValue:
    form = TemplatePolicyForm(policy=settings.template_policy().value)
    if form.validate_on_submit():
        purged = settings.set_template_policy(form.policy.data, actor=current_user)
        flash(_("Template policy saved; %(n)d template(s) purged.", n=purged), "info")
        return redirect(url_for("admin.settings_page"))
    return render_template("admin/settings.html", form=form,
                           policy=settings.template_policy().value)
