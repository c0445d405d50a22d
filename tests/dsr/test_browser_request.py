"""A person files an access request with a selfie; staff locate and confirm in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from likeness.dsr import intake, links, scope
from likeness.extensions import db
from likeness.library import upload
from likeness.models import Match, SubjectRequest
from likeness.platform.actor import CLI
from likeness.staff import accounts
from tests.support.browser import PHONE, chromium, live_server
from tests.support.helpers import FIXTURES, enrol_two_factor, run_jobs, totp_now

pytestmark = pytest.mark.browser


def test_file_a_request_then_staff_locate_and_confirm(committed_app: Flask, tmp_path: Path):
    for name in ("obama.jpg", "biden.jpg"):
        upload.add_photo((FIXTURES / name).read_bytes(), name, actor=CLI)
    run_jobs()
    with live_server(committed_app) as base:
        with chromium(**PHONE) as page:
            page.goto(base + "/request")
            page.get_by_label("Access: which photos of me do you hold? (Art. 15)").check()
            page.get_by_label("Your name").fill("Barack Obama")
            page.get_by_label("Your email address").fill("barack@example.org")
            page.locator("input[name=selfie]").set_input_files(str(FIXTURES / "obama2.jpg"))
            page.get_by_label("You may use this photo only to search for me").check()
            page.get_by_role("button", name="Send request").click()
            page.get_by_role("heading", name="We received your request").wait_for()
            reference = page.locator(".reference").inner_text()
            assert re.fullmatch(r"DSR-\d{4}-\d{6}", reference)

        db.session.rollback()
        stored = db.session.scalars(select(SubjectRequest)).one()
        intake.verify(links.verification_token(stored))
        officer, _ = accounts.create_staff("dpo@example.org", "privacy_officer",
                                           password="privacy pass 1")
        enrol_two_factor(officer)
        with chromium() as page:
            page.goto(base + "/admin/login")
            page.get_by_label("Email").fill("dpo@example.org")
            page.get_by_label("Password").fill("privacy pass 1")
            page.get_by_role("button", name="Log in").click()
            page.get_by_label("Code from your authenticator app").fill(
                totp_now("dpo@example.org", fresh=True))
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/admin/")
            page.goto(f"{base}/admin/requests")
            page.get_by_role("link", name=reference).click()
            # Policy consented-only: staff choose what the scan may look at first.
            page.get_by_label("Or scan the whole library, because").fill(
                "The requester could not name an event")
            page.get_by_role("button", name="Save scope").click()
            page.get_by_text("2 photos").wait_for()
            # The whole library goes beyond what was named: a second person approves it.
            page.locator("#scope-approval").wait_for()
            approver, _ = accounts.create_staff("admin@example.org", "admin",
                                                password="second pair 77")
            scope.approve(stored.id, reason="He could not name an event; the library is "
                          "small.", actor=approver)
            page.reload()
            page.get_by_text("Wider scope approved").wait_for()
            page.locator("#locate").get_by_role("button", name="Search").click()
            page.get_by_text("The search has started.").wait_for()
            run_jobs()
            page.reload()
            tiles = page.locator(".candidates .tile")
            assert tiles.count() == 1  # obama.jpg; not Biden
            # The Reject button is whole, not cut off by its tile, on a phone too.
            for size in ({"width": 390, "height": 844}, {"width": 1280, "height": 720}):
                page.set_viewport_size(size)
                tile = tiles.first.bounding_box()
                reject = tiles.first.get_by_role("button", name="Reject").bounding_box()
                assert reject["x"] + reject["width"] <= tile["x"] + tile["width"] + 1
                assert reject["y"] + reject["height"] <= tile["y"] + tile["height"] + 1
            tiles.first.get_by_role("button", name="Confirm").click()
            page.locator(".candidates .tile", has_text="confirmed").wait_for()
            page.screenshot(path=str(tmp_path / "request.png"), full_page=True)
    db.session.rollback()
    match = db.session.scalars(select(Match)).one()
    assert match.decision == "confirmed"
