"""Candidates reviewed at scale (issue 27): every undecided candidate shown confirmed or
rejected at once, after a question that names the count, in one unit of work and audited
per face; one decision sent by fetch and answered with JSON and the tile as it now is; a
stale tile or a face established as someone else fails closed with a clear message; the
photo around a face for staff who handle requests, audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from likeness.dsr import locate, scope
from likeness.errors import InvalidInput
from likeness.library import people, tagging
from likeness.models import AuditEvent, Face, Match
from likeness.platform import uow
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import (
    approve_wider_scope,
    latest_request,
    submit_request,
    verify_by_email,
)

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

JSON = {"Accept": "application/json"}


@pytest.fixture
def searched(client: FlaskClient, db: Any, mailbox: Any, library: dict[str, int],
             logged_in: Any) -> Any:
    """An access request searched library-wide: four candidates, all undecided."""
    submit_request(client, type_="access", selfie="obama2.jpg")
    subject_request = latest_request(db)
    officer = logged_in("privacy_officer")
    verify_by_email(client, mailbox)
    scope.set_scope(subject_request.id, collections=[], date_from=None, date_until=None,
                    library_wide_reason="No event named", actor=officer)
    approve_wider_scope(subject_request.id)
    locate.start(subject_request.id, actor=officer)
    run_jobs()
    return subject_request


def _page(client: FlaskClient, request_id: int) -> str:
    response = client.get(f"/admin/requests/{request_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _matches(db: Any, request_id: int) -> list[Match]:
    db.session.expire_all()
    return list(db.session.scalars(select(Match).where(Match.request_id == request_id)
                                   .order_by(Match.distance, Match.id)))


def _events(db: Any, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _count_commits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    commits: list[int] = []
    original = uow.UnitOfWork.commit

    def counted(self: uow.UnitOfWork) -> None:
        commits.append(1)
        original(self)

    monkeypatch.setattr(uow.UnitOfWork, "commit", counted)
    return commits


def test_confirm_all_shown_names_the_count_then_confirms_each_in_one_commit_audited_per_face(
        client: FlaskClient, db: Any, searched: Any, monkeypatch: pytest.MonkeyPatch):
    page = _page(client, searched.id)
    assert "Confirm all shown (4)" in page and "Reject all shown (4)" in page
    assert "Confirm all 4 undecided candidates shown on this page" in page  # the dialog
    ids = [m.id for m in _matches(db, searched.id)]
    form = {"csrf_token": csrf_token_from(page), "match": [str(i) for i in ids]}

    # Without JavaScript the server asks first, naming the count; nothing is decided yet.
    asked = client.post(f"/admin/requests/{searched.id}/candidates/confirmed", data=form)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Confirm all 4 candidates?" in text
    assert 'name="confirmed" value="yes"' in text
    assert {m.decision for m in _matches(db, searched.id)} == {"pending"}

    commits = _count_commits(monkeypatch)
    done = client.post(f"/admin/requests/{searched.id}/candidates/confirmed",
                       data={**form, "confirmed": "yes"}, follow_redirects=True)
    assert done.status_code == 200
    assert "4 candidates confirmed." in done.get_data(as_text=True)
    assert len(commits) == 1  # one use case, one commit
    matches = _matches(db, searched.id)
    assert {m.decision for m in matches} == {"confirmed"}
    audited = _events(db, "request.match_confirmed")
    assert sorted(e.details["face"] for e in audited) == sorted(m.face_id for m in matches)
    assert "Confirm all shown" not in done.get_data(as_text=True)  # nothing left to decide


def test_reject_all_shown_in_one_go_is_all_or_nothing(
        client: FlaskClient, db: Any, searched: Any, monkeypatch: pytest.MonkeyPatch):
    page = _page(client, searched.id)
    ids = [m.id for m in _matches(db, searched.id)]
    form = {"csrf_token": csrf_token_from(page), "match": [str(i) for i in ids],
            "confirmed": "yes"}
    calls = []
    original = locate.decide

    def fails_on_the_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == 3:
            raise InvalidInput("The database went away.")
        return original(*args, **kwargs)

    monkeypatch.setattr(locate, "decide", fails_on_the_third)
    failed = client.post(f"/admin/requests/{searched.id}/candidates/rejected", data=form,
                         follow_redirects=True)
    assert "The database went away." in failed.get_data(as_text=True)
    assert {m.decision for m in _matches(db, searched.id)} == {"pending"}  # none kept
    assert _events(db, "request.match_rejected") == []

    monkeypatch.setattr(locate, "decide", original)
    done = client.post(f"/admin/requests/{searched.id}/candidates/rejected", data=form,
                       follow_redirects=True)
    assert "4 candidates rejected." in done.get_data(as_text=True)
    assert {m.decision for m in _matches(db, searched.id)} == {"rejected"}
    assert len(_events(db, "request.match_rejected")) == 4


def test_all_shown_leaves_tiles_decided_meanwhile_and_faces_of_another_person_alone(
        client: FlaskClient, db: Any, searched: Any, make_staff: Any, librarian: Any):
    page = _page(client, searched.id)  # the page as the officer saw it: four undecided
    officer = make_staff("privacy_officer")  # a colleague
    first, second, *_rest = _matches(db, searched.id)
    locate.decide(first.id, "rejected", actor=officer)  # a colleague, in another tab
    barack = people.create("Barack Obama", actor=officer)
    michelle = people.create("Michelle Example", actor=officer)
    locate.link_person(searched.id, barack.id, actor=officer)
    tagging.tag(second.face_id, michelle.id, actor=librarian)
    form = {"csrf_token": csrf_token_from(page), "confirmed": "yes",
            "match": [str(m.id) for m in _matches(db, searched.id)]}
    done = client.post(f"/admin/requests/{searched.id}/candidates/confirmed", data=form,
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "2 candidates confirmed." in text
    assert "1 candidate had been decided meanwhile and was left as it is." in text
    assert "1 face is established as someone else and was left undecided" in text
    decisions = {m.id: m.decision for m in _matches(db, searched.id)}
    assert decisions[first.id] == "rejected"  # the colleague's decision stands
    assert decisions[second.id] == "pending"
    assert "Established as Michelle Example" in text  # said on its tile


def test_all_shown_refuses_bad_posts_without_changing_anything(
        client: FlaskClient, db: Any, searched: Any, app: Any, make_staff: Any):
    page = _page(client, searched.id)
    ids = [str(m.id) for m in _matches(db, searched.id)]
    url = f"/admin/requests/{searched.id}/candidates/confirmed"
    no_token = client.post(url, data={"match": ids, "confirmed": "yes"})
    assert no_token.status_code == 400
    token = csrf_token_from(page)
    assert client.post(f"/admin/requests/{searched.id}/candidates/maybe",
                       data={"csrf_token": token, "match": ids}).status_code == 404
    # Another request's candidate among them: refused, with the reason, and none decided.
    other = client.post(f"/admin/requests/{searched.id + 1}/candidates/confirmed",
                        data={"csrf_token": token, "match": ids, "confirmed": "yes"},
                        follow_redirects=True)
    assert other.status_code == 404
    tampered = client.post(url, data={"csrf_token": token, "confirmed": "yes",
                                      "match": [*ids, "999999"]}, follow_redirects=True)
    assert "not candidates of this request" in tampered.get_data(as_text=True)
    empty = client.post(url, data={"csrf_token": token, "confirmed": "yes"},
                        follow_redirects=True)
    assert "No candidates were shown." in empty.get_data(as_text=True)
    assert {m.decision for m in _matches(db, searched.id)} == {"pending"}


def test_a_decision_sent_by_fetch_gets_json_and_the_tile_as_it_now_is(
        client: FlaskClient, db: Any, searched: Any):
    token = csrf_token_from(_page(client, searched.id))
    match = _matches(db, searched.id)[0]
    url = f"/admin/matches/{match.id}/confirmed"
    response = client.post(url, data={"csrf_token": token}, headers=JSON)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["decision"] == "confirmed"
    assert body["message"].startswith("Confirmed: ")
    assert f'id="match-{match.id}"' in body["html"] and ">Undo</button>" in body["html"]
    assert "Confirm all shown (3)" in body["bulk"]  # the count follows
    assert ">Confirm</button>" not in body["html"]
    assert [e.details["face"] for e in _events(db, "request.match_confirmed")] == [
        match.face_id]

    # The same click from a stale tile: a clear 409 and the tile as it really is.
    stale = client.post(f"/admin/matches/{match.id}/rejected", data={"csrf_token": token},
                        headers=JSON)
    assert stale.status_code == 409
    assert "confirmed meanwhile" in stale.get_json()["message"]
    assert stale.get_json()["decision"] == "confirmed"
    assert ">Undo</button>" in stale.get_json()["html"]
    assert _matches(db, searched.id)[0].decision == "confirmed"
    # Without JavaScript the same stale post says so on the page.
    page = client.post(f"/admin/matches/{match.id}/rejected", data={"csrf_token": token},
                       follow_redirects=True)
    assert "confirmed meanwhile" in page.get_data(as_text=True)

    undo = client.post(f"/admin/matches/{match.id}/pending", data={"csrf_token": token},
                       headers=JSON)
    assert undo.status_code == 200 and ">Confirm</button>" in undo.get_json()["html"]
    # A post without the CSRF token changes nothing.
    refused = client.post(url, headers=JSON)
    assert refused.status_code == 400
    assert _matches(db, searched.id)[0].decision == "pending"


def test_a_face_established_as_someone_else_is_confirmed_only_knowingly(
        client: FlaskClient, db: Any, searched: Any, logged_in: Any, librarian: Any):
    officer = logged_in("privacy_officer")
    match = _matches(db, searched.id)[0]
    barack = people.create("Barack Obama", actor=officer)
    michelle = people.create("Michelle Example", actor=officer)
    locate.link_person(searched.id, barack.id, actor=officer)
    tagging.tag(match.face_id, michelle.id, actor=librarian)
    token = csrf_token_from(_page(client, searched.id))
    url = f"/admin/matches/{match.id}/confirmed"
    by_fetch = client.post(url, data={"csrf_token": token}, headers=JSON)
    assert by_fetch.status_code == 409
    assert "already established as Michelle Example" in by_fetch.get_json()["message"]
    asked = client.post(url, data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Confirm a face established as someone else?" in asked.get_data(as_text=True)
    assert _matches(db, searched.id)[0].decision == "pending"
    knowingly = client.post(url, data={"csrf_token": token, "confirmed": "yes"},
                            headers=JSON)
    assert knowingly.status_code == 200
    assert _matches(db, searched.id)[0].decision == "confirmed"
    assert db.session.get(Face, match.face_id).person_id == michelle.id  # tag untouched


def test_the_photo_around_a_face_is_for_request_handlers_and_every_look_is_audited(
        client: FlaskClient, db: Any, searched: Any, logged_in: Any, library: dict[str, int]):
    group = next(m for m in _matches(db, searched.id)
                 if db.session.get(Face, m.face_id).asset_id == library["two_people.jpg"])
    url = f"/admin/requests/{searched.id}/matches/{group.id}/context.jpg"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert max(image.size) <= 640 and min(image.size) > 120  # larger than the tile
    assert [e.details["face"] for e in _events(db, "request.match_context_viewed")] == [
        group.face_id]
    assert client.get(f"/admin/requests/{searched.id + 1}/matches/{group.id}/context.jpg"
                      ).status_code == 404
    logged_in("librarian")
    assert client.get(url).status_code == 403
    assert len(_events(db, "request.match_context_viewed")) == 1
