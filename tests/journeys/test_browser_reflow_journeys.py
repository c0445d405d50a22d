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
        extend_by = page.get_by_label("Extend by").bounding_box()
        assert extend_by is not None and extend_by["height"] >= 24  # target size (2.5.8)
        j.check("candidates")
        assert j.horizontal_scroll("candidates-320") == []


def test_staff_tables_and_the_breach_decision_pass_wcag_22_aa(demo_app: Any, journey: Any):
    """The pages with an action column (named for screen readers) and the breach decision's
    radio groups (a fieldset each, without aria-required), on the desktop and the phone."""
    from likeness.cockpit import breaches
    from likeness.models.base import utcnow
    from likeness.platform.actor import CLI

    officer = data.staff("privacy_officer")
    admin = data.staff("admin")
    breach_id = breaches.record(discovered_at=utcnow(), description="A laptop was stolen.",
                                actor=CLI).id
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, officer)
        j.goto(f"/admin/cockpit/breaches/{breach_id}", "breach")
        decision = page.locator("#decision")
        assert decision.get_by_role("group", name="Notify the Autoriteit Persoonsgegevens?"
                                    ).is_visible()
        decision.get_by_role("group", name="Notify the Autoriteit Persoonsgegevens?"
                             ).get_by_label("No").check()
        decision.get_by_role("group", name="Notify the people concerned?").get_by_label(
            "No").check()
        decision.get_by_label("Reasons").fill("The laptop's disk was encrypted.")
        decision.get_by_role("button", name="Record decision").click()
        page.get_by_text("Decision recorded.").wait_for()
        j.check("breach-decided")
        j.goto("/admin/cockpit/retention", "retention")
        j.goto("/admin/takedowns", "takedowns")
        assert page.get_by_role("columnheader", name="Actions").count() == 1
    with journey(phone=False) as j:
        data.log_in(j, admin)
        j.goto("/admin/staff", "staff")
        assert j.page.get_by_role("columnheader", name="Actions").count() == 1
