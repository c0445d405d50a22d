"""Single sign-on in a real browser: Chromium goes from Likeness to the identity provider
(oidc-provider-mock on loopback, its own sign-in page) and back, signed in."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import StaffUser
from tests.support.browser import chromium, live_server
from tests.support.sso_provider import PROVIDER, idp_user, oidc_provider, settings

pytestmark = pytest.mark.browser


def test_staff_sign_in_at_the_provider_and_out_again(committed_app: Flask):
    with oidc_provider() as provider:
        committed_app.config.update(settings(provider))
        sub = idp_user(provider, email="dpo.browser@example.org", name="Dee Pio",
                       roles=["Likeness.privacy_officer"], amr=["pwd", "mfa"])
        with live_server(committed_app) as base, chromium(locale="nl-NL") as page:
            page.goto(base + "/admin/requests")
            page.wait_for_url(re.compile(r".*/admin/login\?next=.*"))
            page.get_by_role("link", name=f"Inloggen met {PROVIDER}").click()

            # The provider's own page: the person picks their account there.
            page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/authorize\?.*"))
            page.get_by_placeholder("sub").fill(sub)
            page.get_by_role("button", name="Authorize").click()

            # Back at Likeness, signed in, on the page they asked for.
            page.wait_for_url("**/admin/requests")
            assert page.get_by_role("heading", name="Verzoeken", level=1).is_visible()
            page.goto(base + "/admin/")
            assert page.get_by_text("dpo.browser@example.org").first.is_visible()
            user = db.session.scalars(select(StaffUser).where(
                StaffUser.sso_subject == sub)).one()
            assert user.role == "privacy_officer" and user.sso_issuer == provider

            page.locator("form[action$='/admin/logout'] button").click()
            page.wait_for_url("**/admin/login")
            page.goto(base + "/admin/requests")
            page.wait_for_url(re.compile(r".*/admin/login\?next=.*"))
