"""People, invitations, requests and the events feed over the API."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.integrations import keys
from likeness.models import Person, Quitclaim, RequestStatus, SubjectRequest
from likeness.platform.actor import CLI
from tests.support.helpers import link_in, run_jobs
from tests.support.scenarios import invite_and_open, sign

pytestmark = pytest.mark.shared_app  # many short tests with the default settings


def _put_subject(client: FlaskClient, bearer: dict[str, str], ref: str, **body: Any) -> Any:
    return client.put(f"/api/v1/subjects/{ref}", headers=bearer,
                      json={"name": "Dana Jansen", **body})


def test_a_subject_is_created_then_updated(client, bearer, db):
    first = _put_subject(client, bearer, "P-1", email="Dana@Example.org")
    assert first.status_code == 201
    person = db.session.get(Person, int(first.get_json()["person_ref"].split(":")[1]))
    assert person.email == "dana@example.org"
    again = _put_subject(client, bearer, "P-1", name="Dana de Vries", email="dana@example.org")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    db.session.refresh(person)
    assert person.name == "Dana de Vries"
    assert "Dana" not in again.get_data(as_text=True)  # the answer names nobody


def test_an_erased_person_or_their_address_cannot_be_registered_again(client, bearer, db):
    created = _put_subject(client, bearer, "P-1", email="dana@example.org").get_json()
    person = db.session.get(Person, int(created["person_ref"].split(":")[1]))
    person.is_suppressed = True
    db.session.commit()
    again = _put_subject(client, bearer, "P-1")
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    elsewhere = _put_subject(client, bearer, "P-2", email="DANA@example.org")
    assert elsewhere.status_code == 409
    assert db.session.scalar(select(Person).where(Person.name == "Dana Jansen",
                                                  Person.id != person.id)) is None


@pytest.mark.parametrize("body, status", [
    ({"name": ""}, 422), ({"name": "x" * 201}, 422), ({"email": "not-an-email"}, 422),
    ({"date_of_birth": "31-12-2000"}, 422), ({"name": "Dana\r\nBcc: x@example.org"}, 422),
    ({"is_minor": "perhaps"}, 422),
])
def test_bad_subject_input(client, bearer, body, status):
    assert _put_subject(client, bearer, "P-1", **body).status_code == status


def test_subjects_need_their_scope(client, make_key):
    headers = {"Authorization": f"Bearer {make_key(['assets:read'])}"}
    assert _put_subject(client, headers, "P-1").status_code == 403


# --- invitations --------------------------------------------------------------------


@pytest.fixture
def registered(client, bearer, upload, register) -> Any:
    (asset_id,) = upload("obama.jpg", index=False)
    register("IMG-1", asset_id)
    assert _put_subject(client, bearer, "P-1", email="dana@example.org").status_code == 201
    return asset_id


def _invite(client, bearer, **body: Any) -> Any:
    return client.post("/api/v1/invitations", headers=bearer, json={
        "external_ref": "P-1", "external_ids": ["IMG-1"], "channels": ["website"],
        "language": "en", **body})


def test_an_invitation_is_emailed_to_the_person(client, bearer, registered, mailbox):
    response = _invite(client, bearer)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["invitation_id"]
    run_jobs()
    (message,) = mailbox.to("dana@example.org")
    assert link_in(message, "/quitclaim/sign/")


@pytest.mark.parametrize("body, status", [
    ({"external_ref": "NOBODY"}, 404), ({"external_ids": ["NOPE"]}, 400),
    ({"channels": ["third_parties"]}, 400), ({"channels": []}, 422),
    ({"validity_months": 0}, 422), ({"language": "de"}, 422),
])
def test_bad_invitations(client, bearer, registered, body, status):
    response = _invite(client, bearer, **body)
    assert response.status_code == status, response.get_data(as_text=True)


def test_an_erased_person_is_not_invited(client, bearer, registered, db):
    db.session.scalars(select(Person).where(Person.email == "dana@example.org")).one()\
        .is_suppressed = True
    db.session.commit()
    assert _invite(client, bearer).status_code == 409


# --- requests -----------------------------------------------------------------------


def test_a_request_from_the_image_bank_follows_the_portal_rules(client, make_key, db, mailbox):
    headers = {"Authorization": f"Bearer {make_key(['requests:write'])}"}
    response = client.post("/api/v1/requests", headers=headers, json={
        "type": "erasure", "name": "Dana Jansen", "email": "dana@example.org",
        "details": "Photo of the open day", "language": "en"})
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert body["reference"].startswith("DSR-") and body["status"] == "awaiting_verification"
    stored = db.session.scalars(select(SubjectRequest)).one()
    assert stored.status == RequestStatus.AWAITING_VERIFICATION
    assert stored.due_on.isoformat() == body["due_on"]
    run_jobs()
    assert link_in(mailbox.to("dana@example.org")[0], "/request/verify/")


@pytest.mark.parametrize("body", [
    {"type": "bogus", "name": "D", "email": "d@example.org"},
    {"type": "access", "name": "D"}, {"type": "access", "name": "", "email": "d@example.org"},
])
def test_bad_requests_are_422(client, bearer, body):
    assert client.post("/api/v1/requests", headers=bearer, json=body).status_code == 422


# --- events -------------------------------------------------------------------------


def test_consent_events_are_read_in_order_after_a_cursor(
        client, bearer, tagged_barack, register, mailbox, librarian, db, integration):
    register("IMG-1", tagged_barack.obama_asset)
    other = keys.create_integration("Other bank", [], actor=CLI)
    other_key = keys.create_key(other.id, "k", ["assets:read"], actor=CLI).secret
    empty = client.get("/api/v1/events", headers=bearer).get_json()
    assert empty == {"events": [], "next_cursor": "0"}
    path = invite_and_open(client, mailbox, tagged_barack, librarian, channels=["website"])
    assert sign(client, path, channels=["website"]).status_code == 302
    qc = db.session.scalars(select(Quitclaim)).one()
    withdrawal.withdraw(qc.id, actor=CLI)
    page = client.get("/api/v1/events?limit=1", headers=bearer).get_json()
    (granted,) = page["events"]
    assert granted["type"] == "consent.granted"  # then asset.permissions_changed
    assert granted["data"]["external_ids"] == ["IMG-1"]
    assert granted["data"]["channels"] == ["website"]
    assert granted["data"]["person_ref"] == f"person:{tagged_barack.person.id}"
    rest = client.get(f"/api/v1/events?after={page['next_cursor']}", headers=bearer).get_json()
    assert [e["type"] for e in rest["events"]] == [
        "asset.permissions_changed", "consent.withdrawn", "asset.permissions_changed"]
    assert rest["events"][2]["data"]["reason"] == "withdrawn"
    assert client.get(f"/api/v1/events?after={rest['next_cursor']}",
                      headers=bearer).get_json()["events"] == []
    assert "Barack" not in str(rest)
    # Another image bank did not register the photo: it hears nothing.
    assert client.get("/api/v1/events", headers={"Authorization": f"Bearer {other_key}"}
                      ).get_json()["events"] == []


@pytest.mark.parametrize("query", ["after=abc", "after=-1", "limit=0", "limit=501",
                                   "after=" + "9" * 30])
def test_a_bad_cursor_is_422(client, bearer, query):
    assert client.get(f"/api/v1/events?{query}", headers=bearer).status_code == 422


def test_a_cursor_past_every_id_gives_an_empty_page(client, bearer):
    page = client.get("/api/v1/events?after=999999999999999999", headers=bearer).get_json()
    assert page == {"events": [], "next_cursor": "999999999999999999"}
