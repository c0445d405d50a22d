"""The staff side. Every route requires login and a role, checked once in `before_request`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from likeness.models import Role

blueprint = Blueprint("admin", __name__)

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_ENDPOINTS = {"admin.login", "admin.login_two_factor", "admin.login_sso",
                    "admin.login_sso_callback"}
# What a logged-in user may still reach before the password change and 2FA set-up.
SETUP_ENDPOINTS = {"admin.change_password", "admin.logout", "admin.two_factor_setup"}
# Routes without @requires are open to every active staff member (viewer and up);
# a forgotten decorator therefore never opens a page to the public.
DEFAULT_ROLES: tuple[Role, ...] = (Role.VIEWER, Role.LIBRARIAN, Role.PRIVACY_OFFICER)


def requires(*roles: Role) -> Callable[[F], F]:
    """Mark a view as needing one of `roles` (admins may always). Enforced below."""

    def mark(view: F) -> F:
        view.required_roles = roles  # type: ignore[attr-defined]
        return view

    return mark


@blueprint.before_request
def require_staff() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    from admin import session_policy
    from likeness.staff import two_factor

    if session_policy.expired():
        flash(_("Your session has ended. Please log in again."), "info")
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, "required_roles", DEFAULT_ROLES)
    if not current_user.has_role(*roles):
        abort(403)
    if current_user.must_change_password and request.endpoint not in SETUP_ENDPOINTS:
        return redirect(url_for("admin.change_password"))
    if (two_factor.is_required(current_user) and not two_factor.is_enabled(current_user)
            and not session_policy.provider_asserted_mfa()
            and request.endpoint not in SETUP_ENDPOINTS):
        return redirect(url_for("admin.two_factor_setup"))
    return None


@blueprint.context_processor
def policy_warning() -> dict[str, object]:
    """Admins and privacy officers see a warning while an upgrade's policy is unconfirmed."""
    from likeness.staff import settings

    show = (current_user.is_authenticated and current_user.has_role(Role.PRIVACY_OFFICER)
            and settings.policy_state().needs_review)
    return {"policy_needs_review": show}


from admin import (  # noqa: E402,F401  (registers the routes)
    cockpit_log_views,
    cockpit_views,
    disclosure_views,
    integration_views,
    library_views,
    metadata_views,
    people_views,
    quitclaim_views,
    request_views,
    settings_views,
    sso_views,
    two_factor_views,
    views,
)
