"""The public side (issue 13, items 3, 6 and 7): a request form that forgives, consent
managed in one tap from an email, and Dutch that reads as Dutch."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from likeness.consent import invitations
from likeness.consent import portal as consent_portal
from likeness.dsr import links
from likeness.extensions import db
from likeness.models import Channel, QuitclaimInvitation, RequestStatus, RequestType, SubjectRequest
from tests.journeys import data
from tests.support.helpers import FIXTURES, link_in, run_jobs

pytestmark = pytest.mark.browser

CATALOGUE = Path(__file__).resolve().parents[2] / "likeness/translations/nl/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
RAW_CODES = sorted({c.value for c in [*RequestStatus, *RequestType, *Channel]
                    if "_" in c.value} | {"consented-only", "pdf_rendered", "renewal_invited"})


def test_the_request_form_keeps_everything_after_an_error_and_a_language_switch(
        demo_app: Any, journey: Any, mailbox: Any):
    with journey(phone=True, locale="nl-NL") as j:
        page = j.page
        j.goto("/request", "request-form")
        # The answer comes in the language of the page.
        assert page.locator("#language").input_value() == "nl"
        assert page.get_by_text("Velden met een * zijn verplicht.").is_visible()
        page.get_by_label("Uw naam").fill("Barack Obama")
        page.locator("#details").fill("Bij de opening van de nieuwe vleugel.")
        page.locator("input[name=selfie]").set_input_files(str(FIXTURES / "obama2.jpg"))
        page.locator("#selfie_consent").check()
        page.get_by_role("button", name="Verzoek versturen").click()  # no email address
        page.wait_for_load_state()
        assert j.focused()["id"] == "error-summary"
        email = page.locator("#email")
        assert email.get_attribute("aria-invalid") == "true"
        assert page.get_by_label("Uw naam").input_value() == "Barack Obama"
        assert page.get_by_text("Uw foto obama2.jpg is bewaard").is_visible()
        j.check("request-error")

        # Switching the language keeps what was typed, and the photo.
        page.get_by_role("button", name="English").click()
        page.get_by_role("heading", name="Make a request").wait_for()
        assert page.get_by_label("Your name").input_value() == "Barack Obama"
        assert "opening van de nieuwe vleugel" in page.locator("#details").input_value()
        assert page.get_by_text("Your photo obama2.jpg is kept").is_visible()
        j.check("request-in-english")

        page.get_by_label("Your email address").fill("barack@example.org")
        # While the photo is on its way the button is busy and cannot be pressed twice:
        # what the button looked like then is noted, and read on the next page.
        page.evaluate("""() => document.addEventListener("submit", () => setTimeout(() => {
            const b = document.querySelector("button.primary-action");
            sessionStorage.setItem("busy", JSON.stringify({disabled: b.disabled,
              busy: b.getAttribute("aria-busy"), spinner: !!b.querySelector(".spinner")}));
          }, 50))""")
        page.get_by_role("button", name="Send request").click()
        page.get_by_role("heading", name="We received your request").wait_for()
        busy = page.evaluate("() => JSON.parse(sessionStorage.getItem('busy'))")
        assert busy == {"disabled": True, "busy": "true", "spinner": True}
        j.check("received")
    db.session.remove()
    stored = db.session.scalars(select(SubjectRequest).order_by(SubjectRequest.id.desc())).first()
    assert stored.selfie_path and stored.language == "nl" and stored.name == "Barack Obama"

    verify = f"/request/verify/{links.verification_token(stored)}"
    with journey(phone=True) as j:
        page = j.page
        j.goto(verify, "verify")
        page.get_by_role("button", name="Confirm").click()
        page.get_by_text("your email address is confirmed").wait_for()
        # The same link a second time leads to the status page, not to an error.
        page.goto(j.base + verify)
        page.get_by_text("already confirmed").wait_for()
        assert page.locator(".request-status").inner_text() == "received"
        assert page.get_by_text("Your request: Access.").is_visible()
        j.check("status")


def test_manage_consent_in_one_tap_from_the_email(demo_app: Any, journey: Any, mailbox: Any):
    quitclaim = data.quitclaims_of("Barack Obama")[0]
    manage = consent_portal.manage_url("barack@example.org")
    db.session.commit()  # as the email job would: the link is stored with the email
    path = manage[manage.index("/consent/manage/"):]
    with journey(phone=True) as j:
        page = j.page
        j.goto(path, "overview")
        card = page.locator(".quitclaim-card").first
        assert card.locator(".thumb-strip img").count() == len(quitclaim.assets)
        assert card.get_by_role("heading", name="2 photos").is_visible()
        pdf = page.request.get(j.base + card.get_by_role(
            "link", name="The quitclaim you signed (PDF)").get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        card.get_by_role("link", name="Withdraw (Website)").click()
        j.check("withdraw")
        page.get_by_role("button", name="Yes, withdraw").click()
        page.get_by_text("we have emailed you a confirmation").wait_for()
        j.check("withdrawn")
    run_jobs()
    (message,) = [m for m in mailbox.to("barack@example.org")
                  if m["Subject"] == "Your consent was withdrawn"]
    assert "/consent/manage/" in link_in(message, "/consent/manage/")
    body = message.get_payload(decode=True).decode()
    assert "no longer used for: Website" in body


def test_every_portal_page_in_dutch_reads_as_dutch(demo_app: Any, journey: Any):
    """No English text whose Dutch differs, no raw code, Dutch dates, and a language
    switcher that names the languages and is big enough for a finger."""
    with CATALOGUE.open("rb") as handle:
        english = [_fragments(m.id) for m in read_po(handle)
                   if m.id and m.string and m.string != m.id]
    sasha = data.person("Sasha Example")
    waiting = db.session.scalars(select(QuitclaimInvitation).where(
        QuitclaimInvitation.person_id == sasha.id)).one()
    guardian_path = f"/quitclaim/sign/{invitations.invitation_token(waiting)}"
    adult_path = data.signing_path("Barack Obama", ["obama.jpg"], ["website"], language="nl")
    manage = consent_portal.manage_url("barack@example.org")
    manage_path = manage[manage.index("/consent/manage/"):]
    quitclaim = data.quitclaims_of("Barack Obama")[0]
    request = db.session.scalars(select(SubjectRequest)).first()
    status_path = f"/request/status/{links.status_token(request)}"
    pages = ["/", "/quitclaim", "/consent", "/request", guardian_path, adult_path,
             "/quitclaim/signed", "/quitclaim/passed-on", manage_path,
             f"{manage_path}/withdraw/{quitclaim.id}?scope=all", status_path,
             "/consent/manage/not-a-token", "/no-such-page"]
    with journey(phone=True, locale="nl-NL") as j:
        page = j.page
        switcher = page.locator(".language-switcher")
        for path in pages:
            j.goto(path)
            text = page.evaluate("() => document.body.innerText")
            found = [f for fragments in english for f in fragments if f in text]
            assert found == [], f"{path}: English on a Dutch page: {found}"
            raw = [code for code in RAW_CODES if code in text]
            assert raw == [], f"{path}: raw codes {raw}"
            assert not re.search(r"\d{4}-\d{2}-\d{2}", text), f"{path}: an ISO date"
        page.goto(j.base + status_path)
        assert re.search(r"\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|"
                         r"september|oktober|november|december) \d{4}",
                         page.evaluate("() => document.body.innerText"))
        page.goto(j.base + adult_path)
        assert page.get_by_text("Geldig voor 5 jaar vanaf vandaag").is_visible()
        # The signing page sends its form along when the language changes: a button.
        english_link = switcher.get_by_role("button", name="English")
        box = english_link.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        assert switcher.get_by_text("Nederlands").is_visible()


def _fragments(message_id: object) -> list[str]:
    """The parts of an English message that a page would show as they are: the text
    between placeholders, if it is long enough to be a phrase, not a shared word."""
    ids = [message_id] if isinstance(message_id, str) else list(message_id)  # type: ignore
    parts = [p.strip(" .,:;()") for i in ids for p in PLACEHOLDER.split(i)]
    return [p for p in parts if len(p) >= 12 and " " in p]
