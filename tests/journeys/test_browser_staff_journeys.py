"""Staff reach people (issue 13, item 4) and are asked before what cannot be undone
(item 5): tag a face to a new person, add their email, invite them, in one pass; choose
photos in the library for a share link or an invitation; confirmations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from likeness.extensions import db
from likeness.library import people, policy_settings
from likeness.models import Person, QuitclaimInvitation, ShareLinkAsset, TemplatePolicy
from likeness.platform.actor import CLI
from tests.journeys import data
from tests.support.helpers import run_jobs

pytestmark = pytest.mark.browser


def test_staff_tag_a_face_to_a_new_person_add_the_email_and_invite_in_one_pass(
        demo_app: Any, journey: Any, mailbox: Any):
    email = data.staff("librarian")
    group = data.asset("two_people.jpg")
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto(f"/admin/assets/{group.id}", "asset")
        untagged = page.locator(".face-item", has=page.get_by_label("Person"))
        untagged.get_by_label("Person").fill("Michelle Example")
        untagged.get_by_role("button", name="Tag", exact=True).click()
        page.get_by_text("Face tagged.").wait_for()
        page.get_by_role("link", name="Michelle Example").click()
        page.wait_for_url("**/admin/people/*")
        # A person made by tagging has no email yet: the page says how to fix that.
        assert page.get_by_text("Add an email address below").is_visible()
        j.check("new-person")
        details = page.locator("form#details")
        details.get_by_label("Email", exact=True).fill("not an address")
        details.get_by_role("button", name="Save details").click()
        assert page.locator("#email").get_attribute("aria-invalid") == "true"
        assert j.focused()["id"] == "error-summary"
        j.check("email-error")
        page.locator("form#details").get_by_label("Email", exact=True).fill(
            "michelle@example.org")
        page.locator("form#details").get_by_role("button", name="Save details").click()
        page.get_by_text("Details saved.").wait_for()
        page.get_by_role("link", name="Ask for a quitclaim").click()
        page.wait_for_url("**/admin/quitclaims/invite*")
        assert page.get_by_label("Person", exact=True).input_value().startswith(
            "Michelle Example")
        j.check("invite")
        page.get_by_role("button", name="Send invitation").click()
        page.get_by_text("Invitation sent.").wait_for()
        j.check("invited")
    run_jobs()
    db.session.remove()
    michelle = db.session.scalars(select(Person).where(Person.name == "Michelle Example")).one()
    assert michelle.email == "michelle@example.org"
    invitation = db.session.scalars(select(QuitclaimInvitation).where(
        QuitclaimInvitation.person_id == michelle.id)).one()
    assert invitation.asset_ids == [group.id]
    assert mailbox.to("michelle@example.org")


def test_photos_chosen_in_the_library_become_a_share_link_or_an_invitation(
        demo_app: Any, journey: Any):
    email = data.staff("privacy_officer")
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto("/admin/library", "library")
        page.get_by_label("Choose obama.jpg").check()
        page.get_by_label("Choose biden.jpg").check()
        assert page.get_by_text("2 photos chosen").is_visible()
        page.get_by_role("button", name="Make a share link").click()
        page.wait_for_url("**/admin/library/selection*")
        assert page.get_by_text("2 photos chosen in the library.").is_visible()
        j.check("share-form")
        page.get_by_label("Recipient", exact=True).fill("Regional newspaper")
        page.get_by_role("button", name="Make link").click()
        page.get_by_role("heading", name="Share link made").wait_for()
        link = page.get_by_label("Share link").input_value()
        assert "/s/" in link
        j.check("share-made")

        # Every photo of a filter, not only those on the page.
        page.goto(j.base + "/admin/library?collection=Summer+party")
        page.get_by_label("Choose all 2 photos of this filter").check()
        page.get_by_role("button", name="Ask for a quitclaim").click()
        page.wait_for_url("**/admin/quitclaims/invite*")
        assert page.get_by_text("2 photos chosen in the library").is_visible()
        assert page.get_by_label("The photos chosen in the library").is_checked()
        j.check("invite-chosen")
    db.session.remove()
    shared = set(db.session.scalars(select(ShareLinkAsset.asset_id)))
    assert shared == {data.asset("obama.jpg").id, data.asset("biden.jpg").id}


def test_dangerous_actions_ask_first_and_say_what_will_happen(demo_app: Any, journey: Any):
    email = data.staff("admin")
    joe_id = data.person("Joe Biden").id
    stranger_id = people.create("Someone Untagged", actor=CLI).id
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto(f"/admin/people/{stranger_id}", "person")
        page.get_by_role("button", name="Delete person").click()
        dialog = page.get_by_role("dialog")
        assert "This cannot be undone" in dialog.inner_text()
        j.check("delete-dialog", both=False)
        dialog.get_by_role("button", name="Cancel").click()
        assert page.get_by_role("dialog").count() == 0
        page.get_by_role("button", name="Delete person").click()
        page.get_by_role("dialog").get_by_role("button", name="Delete person").click()
        page.get_by_text("Person deleted; 0 faces untagged.").wait_for()

        # Switching face recognition off purges every template: asked first.
        j.goto("/admin/settings", "settings")
        page.get_by_label("Face template policy").select_option("off")
        page.locator("#policy-form").get_by_role("button", name="Save").click()
        dialog = page.get_by_role("dialog")
        assert "Deleted templates cannot be brought back" in dialog.inner_text()
        j.check("policy-off-dialog", both=False)
        dialog.get_by_role("button", name="Cancel").click()
        page.locator("#policy-form").get_by_role("button", name="Save").click()
        page.get_by_role("dialog").get_by_role("button", name="Switch off").click()
        page.get_by_text("Template policy saved").wait_for()
        j.check("policy-off")
    db.session.remove()
    assert db.session.get(Person, stranger_id) is None
    assert db.session.get(Person, joe_id) is not None
    assert policy_settings.template_policy() == TemplatePolicy.OFF


def _beside_the_browser(app: Any, work: Any) -> None:
    """Run `work` in a thread of its own: Playwright's event loop runs in this one, and
    the answer's PDF signing starts an event loop of its own."""
    import threading

    def run() -> None:
        with app.app_context():
            work()
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_the_case_page_leads_through_the_steps_and_asks_before_carrying_out(
        demo_app: Any, journey: Any):
    from likeness import demo
    from likeness.dsr import casework
    from likeness.models import SubjectRequest

    email = data.staff("privacy_officer")
    request_id = db.session.scalars(select(SubjectRequest.id)).one()
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto(f"/admin/requests/{request_id}", "case")
        current = page.locator('.steps [aria-current="step"]')
        assert current.inner_text().strip() == "Link person"
        assert page.get_by_text("Link the person this request is about").is_visible()
        page.locator("#locate").get_by_role("button", name="Search").click()
        page.get_by_text("The search has started.").wait_for()
        db.session.remove()
        demo.run_waiting_jobs()  # the worker's part: the search
        db.session.remove()
        page.reload()
        assert current.inner_text().strip() == "Decide"
        tiles = page.locator(".candidates .tile")
        assert tiles.count() >= 2
        first = tiles.first
        first.get_by_role("button", name="Confirm").click()
        page.locator(".candidates .tile").first.get_by_role("button", name="Undo").wait_for()
        j.check("decided", both=False)
        page.locator(".candidates .tile").first.get_by_role("button", name="Undo").click()
        page.locator(".candidates .tile").first.get_by_role("button", name="Confirm").wait_for()
        # Decisions are sent without a reload; confirming all shown reloads the page.
        page.get_by_role("button", name="Confirm all shown").click()
        page.get_by_role("dialog").get_by_role("button", name="Confirm all shown").click()
        page.get_by_text("candidates confirmed.").wait_for()
        assert current.inner_text().strip() == "Act"

        page.get_by_role("button", name="Carry out and prepare the answer").click()
        dialog = page.get_by_role("dialog")
        assert "prepared for your review; nothing is sent yet" in dialog.inner_text()
        j.check("carry-out-dialog", both=False)
        dialog.get_by_role("button", name="Cancel").click()
        db.session.remove()
        assert not casework.carried_out(request_id)
        page.get_by_role("button", name="Carry out and prepare the answer").click()
        page.get_by_role("dialog").get_by_role("button", name="Carry out").click()
        page.get_by_text("Done; the answer is being prepared.").wait_for()
        assert page.locator(".candidates").get_by_role("button", name="Undo").count() == 0
        assert current.inner_text().strip() == "Review"
        j.check("carried-out")
        assert j.doc_screenshot("case-page").stat().st_size > 10_000

        # Issue 27: the page waits for the draft by itself, and reading it is the review.
        pending = page.locator("#answer-pending")
        assert "appears here as soon as it is ready" in pending.inner_text()
        db.session.remove()
        _beside_the_browser(demo_app, demo.run_waiting_jobs)  # the worker drafts the answer
        page.get_by_role("link", name="Read the answer").click()  # after the page reloaded
        page.get_by_role("heading", name="Your rights (Art. 15(1)(e))").wait_for()
        assert page.locator("article.answer-text").get_by_text("Dear Barack Obama,").is_visible()
        j.check("answer-on-screen", both=False)
        page.get_by_role("link", name="Back to request").click()
        assert page.locator(".steps .step-done", has_text="Review").count() == 1
        assert current.inner_text().strip() == "Send"
    db.session.remove()
    assert casework.carried_out(request_id)


def test_the_cockpit_dashboard_shows_the_privacy_officers_figures(demo_app: Any, journey: Any):
    email = data.staff("privacy_officer")
    with journey(phone=False) as j:
        page = j.page
        data.log_in(j, email)
        j.goto("/admin/cockpit/", "cockpit")
        assert page.get_by_role("heading", level=1).inner_text().strip() != ""
        assert page.locator("svg").count() >= 1  # the on-time chart, drawn on the server
        assert j.doc_screenshot("cockpit-dashboard").stat().st_size > 10_000
        # The audit log: actions in words, the filters picked by name; a person typed but
        # not picked is refused and the error summary takes the focus (issue 27).
        j.goto("/admin/cockpit/audit", "cockpit-audit")
        assert page.locator("td.audit-action code[title]").count() >= 1
        assert page.locator("select#actor option").count() >= 2
        page.fill("#person", "Nobody in particular")
        page.get_by_role("button", name="Filter").click()
        j.check("cockpit-audit-error")
        assert page.locator(".error-summary a[href='#person']").count() == 1
        assert j.focused()["id"] == "error-summary"
        assert page.locator("#person").get_attribute("aria-invalid") == "true"
