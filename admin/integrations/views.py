"""Integrations: the image banks that call /api/v1, and their API keys (admins only)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from admin.integrations.forms import ApiKeyForm, HostsForm, IntegrationForm
from likeness.errors import DomainError
from likeness.integrations import keys
from likeness.models import Role, utcnow
from likeness.platform.clock import AMSTERDAM


@blueprint.route("/integrations", methods=["GET", "POST"])
@requires(Role.ADMIN)
def integration_list() -> ResponseReturnValue:
    form = IntegrationForm()
    status = 200
    if form.validate_on_submit():
        try:
            integration = keys.create_integration(
                form.name.data or "", keys.parse_hosts(form.allowed_hosts.data or ""),
                actor=current_user)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(_("Integration added. Now make an API key for it."), "info")
            return redirect(url_for("admin.integration_page", integration_id=integration.id))
    elif form.is_submitted():
        status = 400
    return render_template("admin/integrations/integrations.html", integrations=keys.integrations(),
                           form=form), status


@blueprint.route("/integrations/<int:integration_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def integration_page(integration_id: int) -> ResponseReturnValue:
    integration = keys.get_integration(integration_id)
    form = ApiKeyForm()
    status = 200
    if form.validate_on_submit():
        expires = form.expires_on.data
        try:
            new = keys.create_key(
                integration.id, form.label.data or "", list(form.scopes.data or []),
                actor=current_user,
                expires_at=datetime.combine(expires, time.min, AMSTERDAM).astimezone(UTC)
                if expires else None)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            return _shown_once(new)
    elif form.is_submitted():
        status = 400
    return render_template(
        "admin/integrations/integration.html", integration=integration,
        api_keys=keys.keys_of(integration.id),
        form=form, hosts_form=HostsForm(allowed_hosts="\n".join(integration.allowed_hosts)),
        action_form=StaffActionForm(), now=utcnow()), status


@blueprint.post("/integrations/<int:integration_id>/hosts")
@requires(Role.ADMIN)
def integration_hosts(integration_id: int) -> ResponseReturnValue:
    form = HostsForm()
    if form.validate_on_submit():
        try:
            keys.set_allowed_hosts(integration_id, keys.parse_hosts(form.allowed_hosts.data or ""),
                                   actor=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Allowed hosts saved."), "info")
    else:
        flash(_("The list of hosts is too long."), "error")
    return redirect(url_for("admin.integration_page", integration_id=integration_id))


@blueprint.post("/integrations/<int:integration_id>/xmp")
@requires(Role.ADMIN)
def integration_xmp(integration_id: int) -> ResponseReturnValue:
    # CSRFProtect has already checked the token; the button says which way.
    enabled = request.form.get("enabled") == "1"
    keys.set_xmp_export(integration_id, enabled, actor=current_user)
    flash(_("XMP sidecars can now be read through the API.") if enabled else
          _("XMP sidecars can no longer be read through the API."), "info")
    return redirect(url_for("admin.integration_page", integration_id=integration_id))


@blueprint.post("/api-keys/<int:key_id>/rotate")
@requires(Role.ADMIN)
def api_key_rotate(key_id: int) -> ResponseReturnValue:
    # CSRFProtect has already checked the token of this state-changing POST.
    return _shown_once(keys.rotate_key(key_id, actor=current_user))


@blueprint.post("/api-keys/<int:key_id>/revoke")
@requires(Role.ADMIN)
def api_key_revoke(key_id: int) -> ResponseReturnValue:
    key = keys.revoke_key(key_id, actor=current_user)
    flash(_("The API key is revoked: it stops working at once."), "info")
    return redirect(url_for("admin.integration_page", integration_id=key.integration_id))


def _shown_once(new: keys.NewKey) -> ResponseReturnValue:
    # Shown on this page only: a flash message would travel in the session cookie.
    return render_template("admin/integrations/api_key_created.html", key=new.key,
                           secret=new.secret)
