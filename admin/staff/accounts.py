from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from admin.access import blueprint, requires
from admin.forms import StaffActionForm
from admin.staff import session_policy
from admin.staff.forms import ChangePasswordForm, CreateStaffForm, LoginForm, RoleForm
from likeness.cockpit import at_a_glance
from likeness.errors import DomainError
from likeness.extensions import limiter
from likeness.integrations import webhooks
from likeness.models import Role
from likeness.staff import accounts, login_guard, two_factor
from likeness.web.error_pages import render_error
from likeness.web.i18n import safe_next


def _failed_login(response: object) -> bool:
    # Only failed attempts count towards the limit; a successful login redirects.
    return getattr(response, "status_code", 200) != 302


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed_login,
    key_func=login_guard.limit_key, exempt_when=login_guard.posted_from_known_device,
)
@limiter.limit(  # a coarse cap per address across accounts (password spraying)
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
    deduct_when=_failed_login, exempt_when=login_guard.posted_from_known_device,
)
def login() -> ResponseReturnValue:
    """Password first; then the second factor when the account has one.

    Per account there is no lock: failures slow the account down for unknown browsers
    only (likeness.staff.login_guard), so nobody can keep its owner out."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        if login_guard.is_frozen(email, request):
            return render_error(429, _(
                "After many failed attempts this account accepts logins only from browsers "
                "it was used in before; its owner was sent an email. Log in from your own "
                "browser, or ask an administrator."))
        wait = login_guard.wait_seconds(email, request)
        if wait:
            return render_error(429, _("Too many failed attempts for this account from this "
                                       "browser. Try again in %(minutes)d minute(s).",
                                       minutes=max(1, -(-wait // 60))))
        user = accounts.authenticate(email, form.password.data or "")
        if user is not None:
            target = safe_next(request.args.get("next"), url_for("admin.dashboard"))
            if two_factor.is_enabled(user):
                session["two_factor"] = {"user": user.id, "at": int(time.time()),
                                         "next": target}
                return redirect(url_for("admin.login_two_factor"))
            session_policy.start(user)
            response = redirect(target)
            login_guard.record_success(email, response)
            return response
        if login_guard.record_failure(email, request):
            accounts.notify_login_frozen(email)
        # One message whether or not the account exists or is active.
        flash(_("Email or password is not correct."), "error")
    return render_template("admin/staff/login.html", form=form)


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    accounts.logout(current_user.id)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("admin.login"))


@blueprint.get("/")
def dashboard() -> ResponseReturnValue:
    # Image banks not hearing about consent changes is an admin's to fix.
    failing = webhooks.failing_endpoints() if current_user.has_role(Role.ADMIN) else []
    return render_template("admin/staff/dashboard.html", glance=at_a_glance.figures(),
                           failing_webhooks=failing)


@blueprint.route("/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(current_user.id, form.current.data or "",
                                         form.new.data or "")
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            # This session continues on the new version; every other one has ended.
            login_user(user)
            flash(_("Your password was changed. Other sessions have been logged out."), "info")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/staff/change_password.html", form=form)


@blueprint.get("/staff")
@requires(Role.ADMIN)
def staff_list() -> ResponseReturnValue:
    return render_template(
        "admin/staff/staff.html",
        members=accounts.list_all(),
        create_form=CreateStaffForm(),
        action_form=StaffActionForm(),
        role_form=RoleForm(),
    )


@blueprint.post("/staff")
@requires(Role.ADMIN)
def staff_create() -> ResponseReturnValue:
    form = CreateStaffForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("admin.staff_list"))
    try:
        user, password = accounts.create_staff(
            form.email.data or "", form.role.data, name=form.name.data or "",
            actor=current_user,
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.staff_list"))
    # Shown on this page only: a flash message would travel in the session cookie, which
    # the browser keeps and anyone with the cookie can read.
    return render_template("admin/staff/staff_created.html", member=user, password=password)


@blueprint.post("/staff/<int:user_id>/active")
@requires(Role.ADMIN)
def staff_set_active(user_id: int) -> ResponseReturnValue:
    # CSRFProtect has already checked the token of this state-changing POST.
    active = request.form.get("active") == "1"
    user = accounts.set_active(user_id, active, actor=current_user)
    flash(_("%(email)s is now active.", email=user.email) if active
          else _("%(email)s is deactivated.", email=user.email), "info")
    return redirect(url_for("admin.staff_list"))


@blueprint.post("/staff/<int:user_id>/role")
@requires(Role.ADMIN)
def staff_set_role(user_id: int) -> ResponseReturnValue:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    user = accounts.set_role(user_id, form.role.data, actor=current_user)
    flash(_("Role of %(email)s changed.", email=user.email), "info")
    return redirect(url_for("admin.staff_list"))
