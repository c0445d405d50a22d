"""Reflow (WCAG 1.4.10, issue 27): at 320 CSS pixels wide, the request form, the request
list and the case page scroll only up and down, never sideways, and pass axe-core there."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import SubjectRequest
from tests.journeys import data

pytestmark = pytest.mark.browser


def test_the_request_form_reflows_at_320_pixels(demo_app: Any, journey: Any):
    with journey(phone=True) as j:
        page = j.page
        j.goto("/request", "request-form")
        assert j.horizontal_scroll("request-form-320") == []
        # With every error shown (the longest the form gets) it still fits.
        page.get_by_role("button", name="Send request").click()
        page.locator("#error-summary").wait_for()
        assert j.horizontal_scroll("request-errors-320") == []


def test_the_request_list_and_the_case_page_reflow_at_320_pixels(demo_app: Any, journey: Any):
    from likeness import demo

    email = data.staff("privacy_officer")
    request_id = db.session.scalars(select(SubjectRequest.id)).one()
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto("/admin/requests", "request-list")
        assert page.locator("tbody a").count() >= 1  # the demo's open request
        assert j.horizontal_scroll("request-list-320") == []

        j.goto(f"/admin/requests/{request_id}", "case")
        assert j.horizontal_scroll("case-320") == []
        # With candidates found, one of them rejected: tiles, buttons and the forms below.
        page.locator("#locate").get_by_role("button", name="Search").click()
        page.get_by_text("The search has started.").wait_for()
        db.session.remove()
        demo.run_waiting_jobs()  # the worker's part: the search
        db.session.remove()
        page.reload()
        page.locator(".candidates .tile").first.get_by_role("button", name="Reject").click()
        page.locator(".candidates .decision-rejected").first.wait_for()
        assert page.get_by_label("Extend by").is_visible()
        j.check("candidates")
        assert j.horizontal_scroll("candidates-320") == []
