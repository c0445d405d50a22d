"""Webhook endpoints of an integration, their secrets and delivery logs (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from admin.integrations.webhook_forms import EndpointForm
from likeness.errors import DomainError
from likeness.integrations import delivery, keys, webhooks
from likeness.models import Role


@blueprint.route("/integrations/<int:integration_id>/webhooks", methods=["GET", "POST"])
@requires(Role.ADMIN)
def webhook_list(integration_id: int) -> ResponseReturnValue:
    integration = keys.get_integration(integration_id)
    form = EndpointForm()
    status = 200
    if form.validate_on_submit():
        try:
            new = webhooks.create_endpoint(integration.id, form.url.data or "",
                                           list(form.event_types.data or []),
                                           actor=current_user)
        except DomainError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            return _shown_once(new)
    elif form.is_submitted():
        status = 400
    return render_template(
        "admin/integrations/webhooks.html", integration=integration, form=form,
        endpoints=webhooks.endpoints_of(integration.id), action_form=StaffActionForm()), status


@blueprint.get("/webhooks/<int:endpoint_id>")
@requires(Role.ADMIN)
def webhook_log(endpoint_id: int) -> ResponseReturnValue:
    endpoint = webhooks.get_endpoint(endpoint_id)
    found = webhooks.deliveries(endpoint.id)
    return render_template(
        "admin/integrations/webhook_log.html", endpoint=endpoint,
        integration=keys.get_integration(endpoint.integration_id), deliveries=found,
        attempts=webhooks.attempts_of([d.id for d in found]),
        events=webhooks.events_of(found), action_form=StaffActionForm())


@blueprint.post("/webhooks/<int:endpoint_id>/rotate")
@requires(Role.ADMIN)
def webhook_rotate(endpoint_id: int) -> ResponseReturnValue:
    return _shown_once(webhooks.rotate_secret(endpoint_id, actor=current_user))


@blueprint.post("/webhooks/<int:endpoint_id>/<any(enable, disable):change>")
@requires(Role.ADMIN)
def webhook_switch(endpoint_id: int, change: str) -> ResponseReturnValue:
    endpoint = webhooks.set_enabled(endpoint_id, change == "enable", actor=current_user)
    flash(_("The endpoint is on: new events are delivered to it.") if endpoint.is_active
          else _("The endpoint is off: nothing is delivered to it."), "info")
    return redirect(url_for("admin.webhook_log", endpoint_id=endpoint_id))


@blueprint.post("/webhook-deliveries/<int:delivery_id>/replay")
@requires(Role.ADMIN)
def webhook_replay(delivery_id: int) -> ResponseReturnValue:
    try:
        replayed = delivery.replay(delivery_id, actor=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.dashboard"))
    flash(_("The delivery is tried again now."), "info")
    return redirect(url_for("admin.webhook_log", endpoint_id=replayed.endpoint_id))


def _shown_once(new: webhooks.NewSecret) -> ResponseReturnValue:
    # Shown on this page only: a flash message would travel in the session cookie.
    return render_template("admin/integrations/webhook_secret.html", endpoint=new.endpoint,
                           secret=new.secret)
