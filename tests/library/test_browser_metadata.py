"""In Chromium: a photo dropped with its .xmp sidecar arrives with its names; staff confirm."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from likeness.staff import accounts
from tests.library import xmp_files
from tests.support.browser import chromium, live_server
from tests.support.helpers import FIXTURES, run_jobs

pytestmark = pytest.mark.browser


def test_photo_and_sidecar_uploaded_together_then_names_confirmed(committed_app: Flask,
                                                                  tmp_path: Path):
    user, _ = accounts.create_staff("meta@example.org", "librarian", password="library pass 123")
    # A catalogue tool's sidecar (Microsoft regions, around the detector's face:
    # left 349, top 142, right 617, bottom 409 of 910 x 1137).
    tagged = tmp_path / "tagged.jpg"
    tagged.write_bytes((FIXTURES / "obama.jpg").read_bytes())
    xmp_files.write({tagged: xmp_files.mp([((0.36, 0.10, 0.70, 0.38), "Doe, Jane")], 1)},
                    tmp_path)
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    xmp_files.sidecar(tagged, shoot / "obama.jpg.xmp")
    (shoot / "obama.jpg").write_bytes((FIXTURES / "obama.jpg").read_bytes())
    with live_server(committed_app) as base, chromium() as page:
        page.goto(base + "/admin/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill("library pass 123")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")

        page.goto(base + "/admin/library/upload")
        page.locator("#files").set_input_files([str(shoot / "obama.jpg.xmp"),
                                                str(shoot / "obama.jpg")])
        page.get_by_role("button", name="Upload", exact=True).click()
        photo = page.locator("#upload-list li", has_text="obama.jpg")
        photo.get_by_text("finding faces…").wait_for()
        assert page.locator("#upload-list li").count() == 1  # the sidecar went with it
        run_jobs()
        photo.get_by_text("done: 1 faces").wait_for(timeout=15000)

        page.goto(base + "/admin/library/imported-names")
        page.get_by_label("Doe, Jane").check()
        page.get_by_role("button", name="Confirm the ticked names").click()
        page.get_by_text("1 face tagged.").wait_for()
        page.get_by_text("1 person added.").wait_for()
        page.get_by_text("No names waiting.").wait_for()
        page.screenshot(path=str(tmp_path / "names.png"), full_page=True)
