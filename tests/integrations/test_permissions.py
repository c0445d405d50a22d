"""May this photo be used here? The decision per asset and per face, closed by default:
each reason code from the facts that cause it, on real indexed photos."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.integrations import permissions
from likeness.library import consent_status
from likeness.models import (
    Asset,
    Channel,
    Face,
    LegalHold,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    SubjectRequest,
)
from likeness.platform.clock import today
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign

pytestmark = pytest.mark.shared_app  # many short tests with the default settings


def _quitclaim(db: Any, person_id: int, asset_ids: list[int], channels: list[str], *,
               valid_until: date | None = None, withdrawn: bool = False) -> Quitclaim:
    """A signed quitclaim as the signing flow leaves it (the flow itself is tested in
    test_a_quitclaim_signed_on_the_portal_allows_its_channels)."""
    qc = Quitclaim(person_id=person_id, text_version="v1", language="en",
                   valid_from=today() - timedelta(days=30),
                   valid_until=valid_until or today() + timedelta(days=365),
                   signer_name="signer")
    qc.assets = [QuitclaimAsset(asset_id=a) for a in asset_ids]
    qc.channels = [QuitclaimChannel(channel=c, withdrawn_at=permissions.utcnow()
                                    if withdrawn else None) for c in channels]
    db.session.add(qc)
    db.session.commit()
    return qc


@pytest.fixture
def photos(tagged_barack: Any, register: Any) -> Any:
    """obama.jpg as IMG-1 (one face, Barack) and two_people.jpg as IMG-2 (Barack and
    an unidentified face)."""
    register("IMG-1", tagged_barack.obama_asset)
    register("IMG-2", tagged_barack.group_asset)
    return tagged_barack


def _check(client: FlaskClient, bearer: dict[str, str], external_id: str = "IMG-1",
           channel: str = "website") -> dict[str, Any]:
    response = client.get(f"/api/v1/assets/{external_id}/permissions?channel={channel}",
                          headers=bearer)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert "Barack" not in response.get_data(as_text=True)  # opaque references only
    return body


def _codes(entry: dict[str, Any]) -> list[str]:
    return [r["code"] for r in entry["reasons"]]


def test_a_tagged_face_without_a_quitclaim_is_denied(client, bearer, photos):
    body = _check(client, bearer)
    assert body["decision"] == "denied" and body["valid_until"] is None
    (face,) = body["faces"]
    assert face["decision"] == "denied" and _codes(face) == ["no_consent"]
    assert face["reasons"][0]["person_ref"] == f"person:{photos.person.id}"
    assert set(face["box"]) == {"top", "right", "bottom", "left"}


def test_a_quitclaim_signed_on_the_portal_allows_its_channels(
        client, bearer, photos, mailbox, librarian, db):
    path = invite_and_open(client, mailbox, photos, librarian, channels=["website"])
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    body = _check(client, bearer)
    assert body["decision"] == "allowed"
    (face,) = body["faces"]
    (reason,) = face["reasons"]
    qc = db.session.scalars(select(Quitclaim)).one()
    assert reason == {"code": "consented", "person_ref": f"person:{photos.person.id}",
                      "quitclaim_id": qc.id, "valid_until": qc.valid_until.isoformat()}
    assert body["valid_until"] == qc.valid_until.isoformat()
    print_ = _check(client, bearer, channel="print")
    assert print_["decision"] == "denied"
    assert _codes(print_["faces"][0]) == ["channel_not_covered"]


def test_an_unidentified_face_makes_the_photo_unknown_never_allowed(client, bearer, photos, db):
    _quitclaim(db, photos.person.id, [photos.group_asset], ["website"])
    body = _check(client, bearer, "IMG-2")
    assert body["decision"] == "unknown"
    assert sorted(f["decision"] for f in body["faces"]) == ["allowed", "unknown"]
    unknown = next(f for f in body["faces"] if f["decision"] == "unknown")
    assert unknown["reasons"] == [{"code": "unknown_face", "person_ref": None,
                                   "quitclaim_id": None, "valid_until": None}]


@pytest.mark.parametrize("case, code", [
    ("withdrawn", "withdrawn"), ("expired", "expired"), ("restricted", "restricted"),
    ("erased", "erased"), ("erasure_pending", "erasure_pending"), ("legal_hold", "legal_hold"),
])
def test_each_fact_against_use_denies_with_its_reason(client, bearer, photos, db, case, code):
    person, asset_id = photos.person, photos.obama_asset
    qc = _quitclaim(db, person.id, [asset_id], ["website"],
                    valid_until=today() - timedelta(days=1) if case == "expired" else None,
                    withdrawn=case == "withdrawn")
    if case == "restricted":
        db.session.get(Asset, asset_id).is_restricted = True
    elif case == "erased":
        db.session.get(Person, person.id).is_suppressed = True
    elif case == "erasure_pending":
        db.session.add(SubjectRequest(reference="DSR-2026-000999", type="erasure", status="open",
                                      name="x", email="x@example.org", due_on=today(),
                                      person_id=person.id))
    elif case == "legal_hold":
        db.session.add(LegalHold(scope="asset", asset_id=asset_id, reason="court case"))
    db.session.commit()
    body = _check(client, bearer)
    assert body["decision"] == "denied"
    found = _codes(body) + [c for f in body["faces"] for c in _codes(f)]
    assert code in found
    if case in ("withdrawn", "expired"):
        reason = body["faces"][0]["reasons"][0]
        assert reason["quitclaim_id"] == qc.id and reason["valid_until"]


def test_an_old_expired_quitclaim_does_not_hide_a_valid_one(client, bearer, photos, db):
    _quitclaim(db, photos.person.id, [photos.obama_asset], ["website"],
               valid_until=today() - timedelta(days=400))
    _quitclaim(db, photos.person.id, [photos.obama_asset], ["website"])
    assert _check(client, bearer)["decision"] == "allowed"


def test_a_face_blurred_everywhere_does_not_block(client, bearer, photos, db):
    _quitclaim(db, photos.person.id, [photos.group_asset], ["website"])
    for face in db.session.scalars(select(Face).where(Face.asset_id == photos.group_asset,
                                                      Face.person_id.is_(None))):
        face.is_always_blurred = True
    db.session.commit()
    body = _check(client, bearer, "IMG-2")
    assert body["decision"] == "allowed"
    assert "blurred" in [c for f in body["faces"] for c in _codes(f)]


def test_a_photo_whose_faces_are_not_known_yet_is_unknown(client, bearer, upload, register):
    (asset_id,) = upload("biden.jpg", index=False)
    register("NEW", asset_id)
    body = _check(client, bearer, "NEW")
    assert body["decision"] == "unknown" and _codes(body) == ["not_indexed"]


@pytest.mark.parametrize("case", ["valid", "amber", "withdrawn", "expired", "restricted",
                                  "erased", "blurred"])
def test_the_decision_agrees_with_the_library_on_every_channel(photos, db, case):
    """The API reads its own facts in three queries; its lights must be the library's."""
    _arrange(db, photos, case)
    ids = [photos.obama_asset, photos.group_asset]
    channels = [c.value for c in Channel]
    decisions = permissions.decide(ids, channels)
    consent = consent_status.for_assets(ids)
    for (asset_id, channel), decision in decisions.items():
        assert (decision.decision == "allowed") == consent[asset_id].usable(channel)
        for face in decision.faces:
            library_red = consent[asset_id].faces[face.face_id][channel] == consent_status.Light.RED
            blurred = face.face_id in consent[asset_id].blurred
            assert (face.decision == "allowed") == (blurred or not library_red)


def _arrange(db: Any, photos: Any, case: str) -> None:
    _quitclaim(db, photos.person.id, [photos.obama_asset, photos.group_asset],
               ["website", "print"], withdrawn=case == "withdrawn",
               valid_until={"amber": today() + timedelta(days=10),
                            "expired": today() - timedelta(days=1)}.get(case))
    if case == "restricted":
        db.session.get(Asset, photos.group_asset).is_restricted = True
    elif case == "erased":
        db.session.get(Person, photos.person.id).is_suppressed = True
    elif case == "blurred":
        for face in db.session.scalars(select(Face).where(Face.person_id.is_(None))):
            face.is_always_blurred = True
    db.session.commit()


@pytest.mark.parametrize("case", ["valid", "withdrawn", "restricted", "erased", "blurred"])
def test_a_check_by_the_image_banks_id_equals_the_batch_decision(photos, db, integration, case):
    """The single check finds the asset inside its three queries; it must decide exactly as
    the batch does, and know only this integration's ids."""
    _arrange(db, photos, case)
    channels = [c.value for c in Channel]
    batch = permissions.decide([photos.obama_asset, photos.group_asset], channels)
    for external_id, asset_id in (("IMG-1", photos.obama_asset), ("IMG-2", photos.group_asset)):
        for channel in channels:
            single = permissions.decide_registered(integration.id, external_id, channel)
            assert single is not None
            assert ({**asdict(single), "checked_at": None}
                    == {**asdict(batch[(asset_id, channel)]), "checked_at": None})
    assert permissions.decide_registered(integration.id, "NOPE", "website") is None
    assert permissions.decide_registered(integration.id + 1, "IMG-1", "website") is None


# --- bulk ------------------------------------------------------------------------------


def test_the_bulk_query_answers_every_pair(client, bearer, photos, db):
    _quitclaim(db, photos.person.id, [photos.obama_asset], ["website"])
    response = client.post("/api/v1/permissions:query", headers=bearer, json={
        "external_ids": ["IMG-1", "IMG-2", "NOPE"], "channels": ["website", "print"]})
    assert response.status_code == 200
    results = {(r["external_id"], r["channel"]): r for r in response.get_json()["results"]}
    assert len(results) == 6
    assert results[("IMG-1", "website")]["decision"] == "allowed"
    assert results[("IMG-1", "print")]["decision"] == "denied"
    assert results[("IMG-2", "website")]["decision"] in ("denied", "unknown")
    assert results[("NOPE", "website")]["decision"] == "unknown"
    assert _codes(results[("NOPE", "print")]) == ["not_registered"]


def test_more_than_a_thousand_pairs_is_too_large(client, bearer, integration):
    response = client.post("/api/v1/permissions:query", headers=bearer, json={
        "external_ids": [f"X{i}" for i in range(501)], "channels": ["website", "print"]})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("body", [
    {}, {"external_ids": [], "channels": ["website"]},
    {"external_ids": ["A"], "channels": ["billboard"]},
    {"external_ids": [""], "channels": ["website"]},
    {"external_ids": "A", "channels": ["website"]},
    {"external_ids": [f"X{i}" for i in range(1001)], "channels": ["website"]},
])
def test_a_bad_bulk_query_is_422_with_the_field(client, bearer, integration, body):
    response = client.post("/api/v1/permissions:query", headers=bearer, json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json" and problem["errors"]


def test_a_body_that_is_not_json_is_refused(client, bearer, integration):
    response = client.post("/api/v1/permissions:query", headers=bearer, data="{nope",
                           content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("query, status_code", [
    ("", 422), ("?channel=billboard", 422), ("?channel=", 422)])
def test_a_bad_channel_is_422(client, bearer, photos, query, status_code):
    response = client.get(f"/api/v1/assets/IMG-1/permissions{query}", headers=bearer)
    assert response.status_code == status_code
    assert "channel" in response.get_json()["errors"]["query"]


def test_an_unregistered_asset_is_404(client, bearer, integration):
    response = client.get("/api/v1/assets/NOPE/permissions?channel=website", headers=bearer)
    assert response.status_code == 404
