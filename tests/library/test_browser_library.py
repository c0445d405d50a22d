"""Staff upload a batch in Chromium, watch it index, and tag a face."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from likeness.staff import accounts
from tests.support.browser import chromium, live_server
from tests.support.helpers import FIXTURES, run_jobs

pytestmark = pytest.mark.browser


def test_upload_batch_with_progress_then_tag_a_face(committed_app: Flask, tmp_path: Path):
    user, _ = accounts.create_staff("lib@example.org", "librarian", password="library pass 123")
    bad = tmp_path / "invoice.jpg"
    bad.write_text("<html>this is no photo</html>")
    with live_server(committed_app) as base, chromium() as page:
        page.goto(base + "/admin/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill("library pass 123")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")

        page.goto(base + "/admin/library/upload")
        page.locator("#files").set_input_files([str(FIXTURES / "two_people.jpg"), str(bad)])
        page.get_by_role("button", name="Upload", exact=True).click()
        good = page.locator("#upload-list li", has_text="two_people.jpg")
        refused = page.locator("#upload-list li", has_text="invoice.jpg")
        good.get_by_text("finding faces…").wait_for()
        refused.get_by_text("This is not a photo we accept").wait_for()

        run_jobs()  # the worker's part
        good.get_by_text("done: 2 faces").wait_for(timeout=15000)
        page.screenshot(path=str(tmp_path / "upload.png"))

        good.get_by_role("link").click()
        page.wait_for_url("**/admin/assets/*")
        assert page.locator("svg.boxes rect.face-box").count() == 2
        first = page.locator(".face-item").first
        first.get_by_label("Person").fill("Alice Example")
        first.get_by_role("button", name="Tag", exact=True).click()
        page.get_by_text("Face tagged.").wait_for()
        assert page.locator("svg.boxes rect.face-box.tagged").count() == 1
        page.screenshot(path=str(tmp_path / "asset.png"), full_page=True)
        assert page.locator(".face-item").first.get_by_role("link", name="Alice Example")\
            .is_visible()
