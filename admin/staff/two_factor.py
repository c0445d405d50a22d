"""The second login step, and setting up two-factor authentication."""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from admin.access import blueprint
from admin.staff import session_policy
from admin.staff.forms import TwoFactorForm, TwoFactorSetupForm
from likeness.errors import DomainError
from likeness.extensions import db, limiter
from likeness.models import StaffUser
from likeness.staff import accounts, login_guard, two_factor
from likeness.web.form_fields import show_error
from likeness.web.i18n import safe_next

# The password step is valid for this long; then the login starts again.
PENDING_SECONDS = 300


def _pending_user_key() -> str:
    pending = session.get("two_factor") or {}
    return f"2fa:{pending.get('user')}:{get_remote_address()}"


def _failed_code(response: object) -> bool:
    # Only wrong codes count: a correct one redirects.
    return getattr(response, "status_code", 200) != 302


@blueprint.route("/login/code", methods=["GET", "POST"])
@limiter.limit("5 per 5 minutes", key_func=_pending_user_key, methods=["POST"],
               deduct_when=_failed_code)
def login_two_factor() -> ResponseReturnValue:
    pending = session.get("two_factor")
    if not isinstance(pending, dict) or time.time() - int(pending.get("at", 0)) > (
        PENDING_SECONDS
    ):
        session.pop("two_factor", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("admin.login"))
    user = db.session.get(StaffUser, int(pending["user"]))
    if user is None or not user.is_active:
        session.pop("two_factor", None)
        return redirect(url_for("admin.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if login_guard.is_frozen(user.email, request):
            session.pop("two_factor", None)
            return redirect(url_for("admin.login"))
        if two_factor.verify(user.id, form.code.data or ""):
            target = safe_next(pending.get("next"), url_for("admin.dashboard"))
            session_policy.start(user)
            response = redirect(target)
            login_guard.record_success(user.email, response)
            return response
        if login_guard.record_failure(user.email, request):
            accounts.notify_login_frozen(user.email)
        flash(_("This code is not correct."), "error")
    return render_template("admin/staff/login_code.html", form=form)


@blueprint.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup() -> ResponseReturnValue:
    if two_factor.is_enabled(current_user):
        return render_template("admin/staff/two_factor_status.html",
                               codes_left=two_factor.recovery_codes_left(current_user))
    secret = two_factor.begin_enrolment(current_user.id)
    form = TwoFactorSetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(current_user.id, form.code.data or "")
        except DomainError as exc:
            exc.field = exc.field or "code"  # a wrong code: said at the code field
            show_error(form, exc)
            status = 400
        else:
            # Shown once, on this page (never in a flash message or the session).
            return render_template("admin/staff/two_factor_codes.html", codes=codes)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template("admin/staff/two_factor_setup.html", form=form, secret=secret,
                           qr=two_factor.qr_svg(uri),
                           required=two_factor.is_required(current_user)), status
