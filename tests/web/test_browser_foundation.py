"""The skeleton pages in a real browser: language, login, forced password change."""

from __future__ import annotations

import pyotp
import pytest
from flask import Flask

from likeness.staff import accounts
from tests.support.browser import chromium, live_server

pytestmark = pytest.mark.browser


def test_visitor_reads_dutch_switches_to_english_and_staff_log_in(committed_app: Flask):
    user, one_time = accounts.create_staff("browser.admin@example.org", "admin")
    with live_server(committed_app) as base, chromium(locale="nl-NL") as page:
        page.goto(base + "/")
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.get_by_role("link", name="Mijn toestemming beheren").is_visible()

        page.get_by_role("link", name="English", exact=True).click()
        assert page.get_by_role("heading", name="Your photos, your rights").is_visible()

        page.goto(base + "/admin/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(one_time)
        page.get_by_role("button", name="Log in").click()
        # A one-time password leads straight to the password change.
        page.wait_for_url("**/admin/password")
        page.get_by_label("Current password").fill(one_time)
        page.get_by_label("New password", exact=True).fill("a strong new password")
        page.get_by_label("Repeat new password").fill("a strong new password")
        page.get_by_role("button", name="Change password").click()
        # An admin sets up two-factor authentication before anything else.
        page.wait_for_url("**/admin/two-factor")
        qr = page.get_by_role("img", name="QR code for your authenticator app")
        assert qr.is_visible() and qr.evaluate("img => img.naturalWidth") > 0
        secret = page.locator(".totp-secret").inner_text()
        page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Switch on").click()
        assert page.locator(".recovery-codes li").count() == 10
        page.get_by_role("link", name="Continue").click()
        page.wait_for_url("**/admin/")
        assert page.get_by_text("browser.admin@example.org").first.is_visible()
