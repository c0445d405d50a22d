"""Signing in with the organisation's identity provider (OpenID Connect).

`/login/sso` sends the browser to the provider with a state, a nonce and a PKCE challenge
(Authlib keeps them in Redis: likeness.staff.sso.StateStore); the provider sends it back to
`/login/sso/callback`, where the code is exchanged and the id_token verified before
likeness.staff.sso decides.
A state is used once: the callback takes it out of Redis as it reads it, and the provider
takes a code only once, so an old callback URL (or an old cookie) leads nowhere.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import abort, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from sqlalchemy.exc import IntegrityError

from admin.access import blueprint
from admin.staff import session_policy
from likeness.extensions import limiter
from likeness.staff import sso, two_factor
from likeness.web.error_pages import render_error
from likeness.web.i18n import safe_next

_NEXT = "sso_next"


def _failed(response: object) -> bool:
    # Only failures count towards the per-IP limit: a whole hospital may sign in at nine
    # from one address.
    return getattr(response, "status_code", 200) != 302


@blueprint.get("/login/sso")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], deduct_when=_failed)
def login_sso() -> ResponseReturnValue:
    if not sso.enabled():
        abort(404)
    try:
        _provider_call(sso.check_metadata)
        session[_NEXT] = safe_next(request.args.get("next"), url_for("admin.dashboard"))
        # max_age: a provider session older than ours may last must authenticate again.
        return _provider_call(lambda: sso.client().authorize_redirect(
            url_for("admin.login_sso_callback", _external=True),
            max_age=sso.max_age_seconds()))
    except sso.SsoRefused as exc:
        return _refuse(exc)
    except redis.RedisError:
        return render_error(503)


@blueprint.get("/login/sso/callback")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], deduct_when=_failed)
def login_sso_callback() -> ResponseReturnValue:
    if not sso.enabled():
        abort(404)
    try:
        claims = _verified_claims()
    except sso.SsoRefused as exc:
        return _refuse(exc)
    except redis.RedisError:
        return render_error(503)
    try:
        result = sso.sign_in(claims)
    except IntegrityError:  # a parallel first sign-in of the same person made the account
        result = sso.sign_in(claims)
    if isinstance(result, sso.SsoRefused):
        return render_error(result.status, result.message)
    target = safe_next(session.pop(_NEXT, None), url_for("admin.dashboard"))
    user = result.user
    if not result.mfa and two_factor.is_enabled(user):
        # The provider did not assert a second factor: ask for ours, as for a password.
        session["two_factor"] = {"user": user.id, "at": int(time.time()), "next": target,
                                 "sso": True}
        return redirect(url_for("admin.login_two_factor"))
    session_policy.start(user, sso_mfa=result.mfa)
    return redirect(target)


def _verified_claims() -> dict[str, Any]:
    """Check the state, exchange the code (with the PKCE verifier) and verify the id_token
    (signature, issuer, audience, nonce, expiry, tenant, age); SsoRefused says why not."""
    try:
        token = _provider_call(lambda: sso.client().authorize_access_token(
            claims_options=sso.claims_options()))
        claims = dict(token.get("userinfo") or {})
    except MismatchingStateError as exc:
        raise sso.SsoRefused("state", _("This sign-in link was already used or has "
                                        "expired. Please sign in again."), status=400) from exc
    except OAuthError as exc:
        # The provider said no (the user cancelled) or refused our code exchange.
        # `error` can come from the query string: keep the audit record to a plain code.
        code = re.sub(r"[^a-z_]", "", str(exc.error))[:40]
        raise sso.SsoRefused(f"provider:{code}", _not_verified()) from exc
    except BadSignatureError as exc:
        raise sso.SsoRefused("signature", _not_verified()) from exc
    except ExpiredTokenError as exc:
        raise sso.SsoRefused("expired", _not_verified()) from exc
    except ClaimError as exc:
        raise sso.SsoRefused(f"claim:{exc.claim}"[:60], _not_verified()) from exc
    except JoseError as exc:
        raise sso.SsoRefused("token", _not_verified()) from exc
    if not claims:
        raise sso.SsoRefused("no_id_token", _not_verified())
    sso.check_claims(claims)
    return claims


T = TypeVar("T")


def _provider_call(call: Callable[[], T]) -> T:
    """`call`, with a provider that cannot be reached (or answers garbage) as a refusal."""
    try:
        return call()
    except (requests.RequestException, ValueError) as exc:
        raise sso.SsoRefused("provider_unreachable", _unreachable(), status=503) from exc


def _refuse(refusal: sso.SsoRefused) -> ResponseReturnValue:
    sso.record_refusal(refusal.reason)
    session.pop(_NEXT, None)
    return render_error(refusal.status, refusal.message)


def _not_verified() -> str:
    return _("Your sign-in at %(provider)s could not be verified, so Likeness did not let you "
             "in. Please sign in again; if this keeps happening, tell your administrator.",
             provider=sso.provider_name())


def _unreachable() -> str:
    return _("%(provider)s cannot be reached just now. Please try again in a few minutes.",
             provider=sso.provider_name())


@blueprint.context_processor
def single_sign_on() -> dict[str, object]:
    """What the login page offers: the provider's button, and whether passwords are for
    admins only."""
    if not sso.enabled():
        return {"sso_provider": None, "password_for_admins_only": False}
    return {"sso_provider": sso.provider_name(),
            "password_for_admins_only": current_app.config["LOCAL_LOGIN"] == "admins"}
