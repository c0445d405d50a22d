"""The template policy: whether and for whom face templates are kept (documented for the DPIA).

The settings page also shows the transparency form, which posts to the cockpit
(`admin.cockpit.transparency`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.access import blueprint, requires
from admin.cockpit.forms import TransparencyForm
from admin.forms import StaffActionForm
from admin.library.forms import PolicyWithDpiaForm
from likeness.cockpit import dpia, transparency
from likeness.errors import DomainError
from likeness.library import policy_settings
from likeness.models import Role, TemplatePolicy
from likeness.translation import lazy_gettext as _l
from likeness.web import confirmation

OFF_WARNING = _l("Every stored face template is deleted at once, and no face is recognised "
                 "any more: requests must be searched by hand. Faces are still found, so they "
                 "can be blurred. Deleted templates cannot be brought back.")


@blueprint.route("/settings", methods=["GET", "POST"])
@requires(Role.PRIVACY_OFFICER)
def settings_page() -> ResponseReturnValue:
    state = policy_settings.policy_state()
    form = PolicyWithDpiaForm(policy=state.policy.value,
                              dpia_version=state.dpia_version_id or 0)
    versions = dpia.versions()
    form.dpia_version.choices = [(0, "—"), *((v.id, v.label) for v in versions)]
    status = 200
    if form.validate_on_submit():
        if form.policy.data == TemplatePolicy.OFF and state.policy != TemplatePolicy.OFF:
            page = confirmation.ask(
                _("Switch face recognition off?"), OFF_WARNING, yes=_("Switch off"),
                back=url_for("admin.settings_page"), layout="admin/_layout.html")
            if page:
                return page
        # The DPIA version chosen (cockpit) stands for the reference when none is typed.
        version = next((v for v in versions if v.id == form.dpia_version.data), None)
        reference = form.dpia_reference.data or (version.label if version else "")
        try:
            purged = policy_settings.set_template_policy(
                form.policy.data, actor=current_user, legal_basis=form.legal_basis.data or "",
                dpia_reference=reference, dpia_version_id=version.id if version else None)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(ngettext("Template policy saved; %(num)d template purged.",
                           "Template policy saved; %(num)d templates purged.", purged), "info")
            return redirect(url_for("admin.settings_page"))
    linked = next((v for v in versions if v.id == state.dpia_version_id), None)
    return render_template(
        "admin/library/settings.html", form=form, state=state, confirm_form=StaffActionForm(),
        dpia_version=linked, off_warning=OFF_WARNING,
        transparency_form=TransparencyForm(notice=transparency.privacy_notice(),
                                           dpo=transparency.dpo_contact())), status


@blueprint.post("/settings/confirm-policy")
@requires(Role.ADMIN)
def confirm_policy() -> ResponseReturnValue:
    policy_settings.confirm_template_policy(actor=current_user)
    flash(_("Template policy confirmed."), "info")
    return redirect(url_for("admin.settings_page"))
