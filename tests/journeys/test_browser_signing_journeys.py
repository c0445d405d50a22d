"""Signing on a phone (issue 13, items 1 and 2): the error summary takes the focus in the
first screen, a drawing survives an error, and a keyboard-only user signs by typing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from likeness.extensions import db
from likeness.models import Quitclaim
from likeness.platform.storage import instance_dir
from tests.journeys import data
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.browser

INK = """(id) => { const c = document.getElementById(id);
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


def _draw(page: Any, pad_id: str) -> None:
    pad = page.locator(f"#{pad_id}")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25,
                        box["y"] + box["height"] * (0.3 + 0.05 * (step % 3)))
    page.mouse.up()


def test_empty_submit_on_a_phone_focuses_the_error_summary_in_the_first_screen(
        demo_app: Any, journey: Any):
    path = data.signing_path("Barack Obama", ["obama.jpg", "obama3.jpg"],
                             ["internal", "website", "social_media"])
    with journey(phone=True) as j:
        page = j.page
        j.goto(path, "sign")
        # The photos are a compact strip with a count, not screens of photos.
        assert page.get_by_role("heading", name="2 photos").is_visible()
        assert page.locator(".thumb-strip").bounding_box()["height"] < 130
        # Channels come first, each with one plain sentence.
        first_fieldset = page.locator("form#sign-form fieldset").first
        assert "Where may the photos be used?" in first_fieldset.inner_text()
        assert "On our public website, where anyone can see them." in \
            first_fieldset.inner_text()
        assert j.doc_screenshot("signing-on-a-phone").stat().st_size > 10_000

        page.get_by_role("button", name="Sign", exact=True).click()
        page.wait_for_load_state()
        summary = page.locator("#error-summary")
        assert j.focused()["id"] == "error-summary"
        box = summary.bounding_box()
        scrolled = page.evaluate("() => window.scrollY")
        assert box["y"] >= 0 and box["y"] + scrolled < 844 and box["y"] < 844
        assert "Tick at least one channel" in summary.inner_text()
        # Every problem at once: the face recognition choice is one of them.
        assert "Choose whether we may use face recognition" in summary.inner_text()
        j.check("empty-submit")
        # Each problem links to its field.
        summary.get_by_role("link", name="Tick at least one channel").click()
        assert j.focused()["id"] == "channels-0"
        channel = page.locator("#channels-0")
        assert channel.get_attribute("aria-invalid") == "true"

        # A drawn signature is kept when the page comes back with an error.
        page.get_by_label("Website").check()
        recognition = page.get_by_role("group", name="Face recognition (a separate choice)")
        recognition.get_by_role("radio", name="Allow face recognition on photos of me").check()
        _draw(page, "signature-pad")
        assert page.evaluate(INK, "signature-pad") > 40
        page.get_by_role("button", name="Sign", exact=True).click()  # no name typed
        page.wait_for_load_state()
        assert "Type your full name" in page.locator("#error-summary").inner_text()
        name = page.get_by_label("Your full name")
        assert name.get_attribute("aria-invalid") == "true"
        assert "signer_name-error" in name.get_attribute("aria-describedby")
        page.wait_for_function(f"() => ({INK})('signature-pad') > 40")
        assert page.get_by_role("radio", name="Allow face recognition on photos of me"
                                ).is_checked()  # the choice is kept too
        j.check("name-missing-drawing-kept")

        name.fill("Barack Obama")
        page.get_by_role("button", name="Sign", exact=True).click()
        page.get_by_role("heading", name="Thank you: your choices are saved").wait_for()
        j.check("signed")
    db.session.remove()
    quitclaim = data.quitclaims_of("Barack Obama")[-1]
    assert quitclaim.signature_kind == "drawn" and quitclaim.signature_png
    assert quitclaim.biometric_consent


def test_a_keyboard_only_user_signs_with_a_typed_signature_and_the_pdf_says_so(
        demo_app: Any, journey: Any):
    path = data.signing_path("Barack Obama", ["obama.jpg"], ["website", "print"])
    with journey(phone=False) as j:
        page = j.page
        j.goto(path, "sign")
        pad = page.get_by_role("img", name="Signature pad")
        assert pad.get_attribute("tabindex") == "0"
        # Only the keyboard from here on.
        j.tab_to("#channels-0")
        page.keyboard.press("Space")
        j.tab_to("#face_recognition-0")  # a radio group: the arrow keys choose
        page.keyboard.press("ArrowDown")
        assert page.locator("#face_recognition-1").is_checked()
        j.tab_to("#signature-pad")
        page.keyboard.press("Enter")  # sign by typing instead
        assert j.focused()["id"] == "signer_name"
        page.keyboard.type("Barack Obama")
        assert page.locator("#signature_kind-1").is_checked()
        j.check("typed-signature")
        j.tab_to("button.primary-action")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Thank you: your choices are saved").wait_for()
        j.check("signed")
    run_jobs()
    db.session.remove()
    quitclaim = db.session.scalars(select(Quitclaim).order_by(Quitclaim.id.desc())).first()
    assert [c.channel for c in quitclaim.channels] == ["website"]
    assert quitclaim.signature_kind == "typed" and quitclaim.signature_png is None
    assert not quitclaim.biometric_consent
    pdf = (instance_dir() / quitclaim.pdf_path).read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Typed signature" in text and "typed their name as their signature" in text
