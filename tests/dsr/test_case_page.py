"""The case page guides (issue 13, item 5): steps with the current one marked, decisions
that can be undone until the request is carried out, carrying out that asks first and says
what will happen, and words instead of codes."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.dsr import casework, locate, scope
from likeness.models import Match, SubjectRequest
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    record_identity_check,
    submit_request,
    verify_by_email,
)


def _current_step(html: str) -> str:
    found = re.findall(r'<li class="step step-current" aria-current="step">\s*'
                       r'<span class="step-label">([^<]+)</span>', html)
    assert len(found) == 1, found  # exactly one step is current
    return found[0]


def _states(html: str) -> dict[str, str]:
    return {label: state for state, label in re.findall(
        r'<li class="step step-(\w+)"[^>]*>\s*<span class="step-label">([^<]+)</span>', html)}


def _page(client: FlaskClient, request_id: int) -> str:
    response = client.get(f"/admin/requests/{request_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _decide(client: FlaskClient, request_id: int, match_id: int, decision: str) -> str:
    token = csrf_token_from(_page(client, request_id))
    response = client.post(f"/admin/matches/{match_id}/{decision}",
                           data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _matches(db: Any, request_id: int) -> list[Match]:
    db.session.expire_all()
    return list(db.session.scalars(select(Match).where(Match.request_id == request_id)
                                   .order_by(Match.id)))


def test_an_erasure_walks_the_steps_with_undo_and_a_confirmation_that_says_what_happens(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
    logged_in: Any,
):
    submit_request(client, type_="erasure", selfie="obama2.jpg")
    subject_request = latest_request(db)
    officer = logged_in("privacy_officer")
    page = _page(client, subject_request.id)
    assert _current_step(page) == "Verify"
    assert "Erasure" in page and ">erasure<" not in page  # the type in words

    verify_by_email(client, mailbox)
    page = _page(client, subject_request.id)
    assert _states(page)["Verify"] == "done"
    assert _current_step(page) == "Link person"

    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="No event named", actor=officer)
    approve_wider_scope(subject_request.id)
    token = csrf_token_from(page)
    client.post(f"/admin/requests/{subject_request.id}/locate", data={"csrf_token": token})
    run_jobs()
    page = _page(client, subject_request.id)
    states = _states(page)
    assert states["Locate"] == "done" and states["Link person"] == "skipped"
    assert _current_step(page) == "Decide"

    matches = _matches(db, subject_request.id)
    assert len(matches) == 4  # obama, obama3, obama_small and the left face of the group
    for match in matches:
        _decide(client, subject_request.id, match.id, "confirmed")
    assert _current_step(_page(client, subject_request.id)) == "Act"

    # Changed their mind about one photo: undo puts it back among the undecided.
    page = _decide(client, subject_request.id, matches[0].id, "pending")
    assert _matches(db, subject_request.id)[0].decision == "pending"
    assert _current_step(page) == "Decide"
    page = _decide(client, subject_request.id, matches[0].id, "rejected")
    assert _current_step(page) == "Act"
    assert page.count(">Undo</button>") == 4

    # Carrying out asks first and says what will happen; without a yes nothing happens.
    # (The confirmed faces are tagged to nobody: a recorded check ties them to him.)
    record_identity_check(subject_request.id, officer)
    form = {"csrf_token": csrf_token_from(page), "decision": ""}
    asked = client.post(f"/admin/requests/{subject_request.id}/perform", data=form)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Erase the person&#39;s data?" in text
    assert "blurred for good in 3 stored originals" in text
    assert "This cannot be undone." in text
    assert not casework.carried_out(subject_request.id)
    # The page without JavaScript sends the same form again, confirmed.
    assert 'name="confirmed" value="yes"' in text
    done = client.post(f"/admin/requests/{subject_request.id}/perform",
                       data={**form, "confirmed": "yes"}, follow_redirects=True)
    assert "Done; the answer is being prepared." in done.get_data(as_text=True)
    assert casework.carried_out(subject_request.id)
    # A photo of his says what happened to his face, and offers no tag form for it
    # (issue 27).
    from likeness.models import Face

    db.session.expire_all()
    erased = db.session.scalars(select(Face).where(Face.is_always_blurred.is_(True))).all()
    assert erased
    photo = client.get(f"/admin/assets/{erased[0].asset_id}").get_data(as_text=True)
    assert "Erased at the person's request" in photo
    assert photo.count('class="tag-form"') == len(
        [f for f in erased[0].asset.faces if f.person_id is None and not f.is_always_blurred])

    # From now on the decisions are final, and the page no longer offers to change them.
    page = _decide(client, subject_request.id, matches[0].id, "confirmed")
    assert "its decisions can no longer change" in page
    assert _matches(db, subject_request.id)[0].decision == "rejected"
    assert ">Undo</button>" not in page

    run_jobs()  # the answer is drafted
    page = _page(client, subject_request.id)
    assert _current_step(page) == "Review"
    assert client.get(f"/admin/requests/{subject_request.id}/files/answer.pdf").status_code == 200
    page = _page(client, subject_request.id)
    assert _current_step(page) == "Send"
    assert "in_progress" not in page and "In progress" in page  # the status in words
    # What was done, in words (not the stored kind of each step).
    assert "faces untagged and blurred in every copy" in page
    assert officer is not None


def test_sending_the_answer_asks_first(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request: SubjectRequest = latest_request(db)
    officer = logged_in("privacy_officer")
    locate.start(subject_request.id, actor=officer)  # an empty library: nothing found
    run_jobs()
    token = csrf_token_from(_page(client, subject_request.id))
    client.post(f"/admin/requests/{subject_request.id}/perform",
                data={"csrf_token": token, "confirmed": "yes"})
    run_jobs()
    page = _page(client, subject_request.id)
    assert ('data-confirm="Nobody has opened this draft yet. '
            'The answer goes to barack@example.org') in page
    asked = client.post(f"/admin/requests/{subject_request.id}/send-answer",
                        data={"csrf_token": csrf_token_from(page)})
    assert asked.status_code == 200 and "cannot be called back" in asked.get_data(as_text=True)
    db.session.refresh(subject_request)
    assert subject_request.answer_sent_at is None
    client.post(f"/admin/requests/{subject_request.id}/send-answer",
                data={"csrf_token": csrf_token_from(page), "confirmed": "yes"})
    db.session.refresh(subject_request)
    assert subject_request.answer_sent_at is not None
    # Sent without opening the draft first: the page shows the review was skipped.
    states = _states(_page(client, subject_request.id))
    assert states["Send"] == "done" and states["Review"] == "skipped"


def test_a_search_for_a_person_in_600_photos_returns_all_600_and_the_page_pages_them(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, upload: Any, policy_all: None,
    logged_in: Any,
):
    """No silent cap: every face within the threshold is a candidate (issue 10, item 4)."""
    import numpy as np

    from likeness.faces import index
    from likeness.faces.crypto import keyring
    from likeness.library.face_templates import seal
    from likeness.models import Asset, Face

    (obama,) = upload("obama.jpg")
    face = db.session.scalars(select(Face).where(Face.asset_id == obama)).one()
    template = keyring().decrypt_face(face)
    rng = np.random.default_rng(600)
    copies = []
    for number in range(599):  # the same man in 599 more photos, each a little different
        asset = Asset(sha256=f"{number:064x}", original_filename=f"event-{number:03d}.jpg",
                      image_format="JPEG", width=640, height=480, byte_size=1000,
                      status="indexed")
        db.session.add(asset)
        db.session.flush()
        copy = Face(asset_id=asset.id, top=10, right=110, bottom=110, left=10)
        db.session.add(copy)
        copies.append(copy)
    db.session.flush()
    seal(copies, [(template + rng.normal(0, 0.002, template.shape)).astype(np.float32)
                  for _ in copies])
    index.record_bulk_change()
    db.session.commit()

    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    logged_in("privacy_officer")
    client.post(f"/admin/requests/{subject_request.id}/locate",
                data={"csrf_token": csrf_token_from(_page(client, subject_request.id))})
    run_jobs()
    assert len(_matches(db, subject_request.id)) == 600

    first = _page(client, subject_request.id)
    assert "Page 1 of 10" in first and "(600)" in first
    assert first.count('class="tile decision-pending"') == 60
    last = client.get(f"/admin/requests/{subject_request.id}?candidates_page=10")
    assert last.get_data(as_text=True).count('class="tile decision-pending"') == 60
    # Out of range goes to the nearest page, never an error.
    assert client.get(f"/admin/requests/{subject_request.id}"
                      "?candidates_page=99999999").status_code == 200


def test_opening_the_draft_answer_is_recorded_and_review_is_done(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any,
):
    from sqlalchemy import select

    from likeness.models import AuditEvent

    submit_request(client, type_="access", selfie="obama2.jpg")
    verify_by_email(client, mailbox)
    subject_request: SubjectRequest = latest_request(db)
    officer = logged_in("privacy_officer")
    locate.start(subject_request.id, actor=officer)  # an empty library: nothing found
    run_jobs()
    token = csrf_token_from(_page(client, subject_request.id))
    client.post(f"/admin/requests/{subject_request.id}/perform",
                data={"csrf_token": token, "confirmed": "yes"})
    run_jobs()
    assert client.get(f"/admin/requests/{subject_request.id}/files/answer.pdf").status_code == 200
    # What nobody committed would vanish here; the read's audit event must not.
    db.session.rollback()
    reads = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "request.file_read",
        AuditEvent.subject == f"request:{subject_request.id}")).all()
    assert [event.details["file"] for event in reads] == ["answer.pdf"]
    page = _page(client, subject_request.id)
    assert _states(page)["Review"] == "done"
    assert 'data-confirm="The answer goes to barack@example.org' in page
    assert "Nobody has opened this draft yet." not in page
