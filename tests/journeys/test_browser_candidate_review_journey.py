"""Candidates reviewed at scale (issue 27), in Chromium: a privacy officer moves through
the candidates with j/k and confirms one with c, without the page reloading (the status
region says what happened); a "c" typed in a field decides nothing; the photo around a
face opens in a dialog; then every candidate still shown is confirmed at once, after a
question that names the count."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from likeness import demo
from likeness.dsr import locate
from likeness.extensions import db
from likeness.models import AuditEvent, Match, SubjectRequest
from likeness.staff import accounts
from tests.journeys import data

pytestmark = pytest.mark.browser


def test_candidates_by_keyboard_without_reload_then_all_shown_at_once(
        demo_app: Any, journey: Any):
    email = data.staff("privacy_officer")
    request_id = db.session.scalars(select(SubjectRequest.id)).one()
    locate.start(request_id, actor=accounts.find_by_email(email))
    demo.run_waiting_jobs()  # the worker's part: the search
    total = len(locate.candidates(request_id))
    assert total >= 2
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto(f"/admin/requests/{request_id}", "case")
        assert page.get_by_text("Keyboard shortcuts").is_visible()
        page.evaluate("window.notReloaded = true")
        tiles = page.locator(".candidates .tile")

        page.keyboard.press("j")  # to the first candidate
        assert j.focused()["text"] == "Confirm"
        page.keyboard.press("j")
        page.keyboard.press("k")  # and back
        page.keyboard.press("c")
        tiles.first.get_by_role("button", name="Undo").wait_for()
        page.locator("#candidates-status", has_text="Confirmed: ").wait_for()  # announced
        assert page.evaluate("window.notReloaded") is True
        # The focus went on to the next candidate, ready for the next key.
        assert page.evaluate("document.activeElement.closest('.tile') === "
                             "document.querySelectorAll('.candidates .tile')[1]")
        j.check("decided-by-keyboard", both=False)

        # Typing in a field is typing, not deciding.
        page.locator("#note-body").fill("")
        page.locator("#note-body").press("c")
        assert page.locator("#note-body").input_value() == "c"
        assert tiles.get_by_role("button", name="Undo").count() == 1

        tiles.nth(1).get_by_role("link", name="Enlarge").click()
        dialog = page.get_by_role("dialog")
        page.wait_for_function("() => document.querySelector('dialog img')?.naturalWidth > 120")
        j.check("photo-around-the-face", both=False)
        page.keyboard.press("Escape")
        assert dialog.count() == 0

        left = total - 1
        page.get_by_role("button", name=f"Confirm all shown ({left})").click()
        dialog = page.get_by_role("dialog")
        asks, says = ((f"Confirm all {left} undecided candidates shown",
                       f"{left} candidates confirmed.") if left > 1 else
                      ("Confirm the 1 undecided candidate shown", "1 candidate confirmed."))
        assert asks in dialog.inner_text()
        dialog.get_by_role("button", name=f"Confirm all shown ({left})").click()
        page.get_by_text(says).wait_for()
        assert page.locator(".candidates").get_by_role("button", name="Confirm").count() == 0
        j.check("all-confirmed", both=False)
    db.session.remove()
    decisions = set(db.session.scalars(select(Match.decision).where(
        Match.request_id == request_id)))
    assert decisions == {"confirmed"}
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.match_context_viewed")).all()) == 1
