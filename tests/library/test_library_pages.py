"""The library as staff use it through the admin pages."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from likeness.models import Asset, Face, Person, ShareLink
from tests.support.helpers import FIXTURES, csrf_token_from, run_jobs

# These tests are about the index and suggestions: every face holds a template.
pytestmark = [pytest.mark.usefixtures("policy_all"), pytest.mark.shared_app]


def _token(client: FlaskClient, path: str = "/admin/library/upload") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def _upload(client: FlaskClient, *files: tuple[str, bytes], json: bool = True) -> Any:
    data = {"csrf_token": _token(client), "collection": "Open day",
            "files": [(io.BytesIO(content), name) for name, content in files]}
    headers = {"Accept": "application/json"} if json else {}
    return client.post("/admin/library/upload", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_batch_upload_reports_per_file_and_shows_progress(client: FlaskClient, logged_in: Any,
                                                         db: Any):
    logged_in("librarian")
    response = _upload(
        client,
        ("two_people.jpg", (FIXTURES / "two_people.jpg").read_bytes()),
        ("evil.jpg", b"<html>not a photo</html>"),
    )
    assert response.status_code == 200
    results = {r["filename"]: r for r in response.get_json()["results"]}
    assert results["two_people.jpg"]["ok"]
    assert "not a photo we accept" in results["evil.jpg"]["error"]

    asset_id = results["two_people.jpg"]["asset_id"]
    before = client.get(f"/admin/library/status?ids={asset_id}").get_json()["assets"]
    assert before == [{"id": asset_id, "status": "pending", "reason": None, "faces": 0}]
    run_jobs()
    after = client.get(f"/admin/library/status?ids={asset_id}").get_json()["assets"]
    assert after[0]["status"] == "indexed" and after[0]["faces"] == 2

    grid = client.get("/admin/library").get_data(as_text=True)
    assert "two_people.jpg" in grid and "2 faces" in grid


def test_zip_upload_without_javascript_lists_each_member(client: FlaskClient, logged_in: Any):
    logged_in("librarian")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../x.jpg", (FIXTURES / "obama.jpg").read_bytes())
        archive.writestr("biden.jpg", (FIXTURES / "biden.jpg").read_bytes())
    page = _upload(client, ("shoot.zip", buffer.getvalue()), json=False)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "../../x.jpg</strong>:\n      Refused: the path in the archive is unsafe." in html
    assert "biden.jpg" in html and "faces are being found" in html


def test_viewer_sees_the_library_but_cannot_upload_or_tag(client: FlaskClient, logged_in: Any,
                                                         upload: Any, db: Any):
    (asset_id,) = upload("obama.jpg")
    logged_in("viewer")
    assert client.get("/admin/library").status_code == 200
    page = client.get(f"/admin/assets/{asset_id}")
    assert page.status_code == 200
    assert "Not tagged." in page.get_data(as_text=True)
    assert client.get("/admin/library/upload").status_code == 403
    face = db.session.scalars(select(Face)).one()
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(f"/admin/faces/{face.id}/tag",
                           data={"person": "Someone", "csrf_token": token})
    assert response.status_code == 403


def test_tag_a_face_then_confirm_a_suggestion_on_the_next_photo(
    client: FlaskClient, logged_in: Any, upload: Any, db: Any
):
    first, second = upload("obama.jpg", "obama2.jpg")
    logged_in("librarian")
    page = client.get(f"/admin/assets/{first}").get_data(as_text=True)
    face = db.session.scalars(select(Face).where(Face.asset_id == first)).one()
    token = csrf_token_from(page)
    client.post(f"/admin/faces/{face.id}/tag", data={"person": "Barack", "csrf_token": token})
    person = db.session.scalars(select(Person)).one()

    page = client.get(f"/admin/assets/{second}").get_data(as_text=True)
    assert "Looks like Barack" in page
    match = re.search(r'action="(/admin/faces/\d+/suggestion/\d+/confirm)"', page)
    client.post(match.group(1), data={"csrf_token": token})
    other = db.session.scalars(select(Face).where(Face.asset_id == second)).one()
    db.session.refresh(other)
    assert other.person_id == person.id

    person_page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "2 photos" in person_page


def test_pick_an_existing_person_from_the_list(client: FlaskClient, logged_in: Any,
                                               upload: Any, db: Any):
    (asset_id,) = upload("biden.jpg")
    logged_in("librarian")
    token = _token(client)
    face = db.session.scalars(select(Face)).one()
    client.post(f"/admin/faces/{face.id}/tag", data={"person": "Joe", "csrf_token": token})
    person = db.session.scalars(select(Person)).one()
    lookup = client.get("/admin/people/lookup?q=jo").get_json()
    assert lookup == {"people": [{"id": person.id, "label": f"Joe (#{person.id})"}]}
    client.post(f"/admin/faces/{face.id}/untag", data={"csrf_token": token})
    client.post(f"/admin/faces/{face.id}/tag",
                data={"person": f"Joe (#{person.id})", "csrf_token": token})
    db.session.refresh(face)
    assert face.person_id == person.id
    assert len(db.session.scalars(select(Person)).all()) == 1


def test_failed_photo_shows_the_reason_and_can_be_retried(client: FlaskClient, logged_in: Any,
                                                          upload: Any, db: Any):
    from likeness.platform.storage import asset_path

    (asset_id,) = upload("obama.jpg", index=False)
    asset = db.session.get(Asset, asset_id)
    path = asset_path(asset.sha256)
    saved = path.read_bytes()
    path.write_bytes(b"gone bad")
    run_jobs()
    logged_in("librarian")
    page = client.get(f"/admin/assets/{asset_id}").get_data(as_text=True)
    assert "Finding faces failed" in page
    path.write_bytes(saved)
    client.post(f"/admin/assets/{asset_id}/retry", data={"csrf_token": csrf_token_from(page)})
    run_jobs()
    db.session.refresh(asset)
    assert asset.status == "indexed"


def test_settings_switch_policy_off_needs_privacy_officer(client: FlaskClient, logged_in: Any,
                                                          upload: Any, db: Any):
    upload("obama.jpg")
    logged_in("librarian")
    assert client.get("/admin/settings").status_code == 403


def test_privacy_officer_switches_policy_off_and_templates_go(app: Flask, client: FlaskClient,
                                                             logged_in: Any, upload: Any,
                                                             db: Any):
    upload("obama.jpg")
    logged_in("privacy_officer")
    token = _token(client, "/admin/settings")
    # Without JavaScript the server asks first, and nothing is purged yet.
    asked = client.post("/admin/settings", data={"policy": "off", "csrf_token": token})
    assert asked.status_code == 200
    assert "Switch face recognition off?" in asked.get_data(as_text=True)
    assert db.session.scalars(select(Face)).one().template_ciphertext is not None
    page = client.post("/admin/settings",
                       data={"policy": "off", "csrf_token": token, "confirmed": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 template purged" in page
    assert db.session.scalars(select(Face)).one().template_ciphertext is None


def test_renditions_are_served_without_caching(client: FlaskClient, logged_in: Any,
                                               upload: Any):
    (asset_id,) = upload("obama.jpg")
    logged_in("viewer")
    response = client.get(f"/admin/assets/{asset_id}/thumbnail.jpg")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/admin/assets/{asset_id}/download.jpg").status_code == 404
    assert client.get("/admin/assets/999999").status_code == 404


def test_a_photo_whose_faces_are_not_found_yet_cannot_leave_unblurred(
    client: FlaskClient, logged_in: Any, upload: Any, db: Any,
):
    # Before detection has run nobody knows which faces to blur: no download, no share
    # link, and the page says why, instead of "usable: yes" for a photo without faces.
    (asset_id,) = upload("two_people.jpg", index=False)
    logged_in("librarian")
    page = client.get(f"/admin/assets/{asset_id}")
    html = page.get_data(as_text=True)
    assert "Usable nowhere yet" in html and "usable-yes" not in html
    token = csrf_token_from(html)
    download = client.post(f"/admin/assets/{asset_id}/download", data={
        "csrf_token": token, "channel": "website", "recipient_name": "Regional paper"})
    assert download.status_code == 409
    assert "still being checked for faces" in download.get_data(as_text=True)
    shared = client.post(f"/admin/assets/{asset_id}/share", data={
        "csrf_token": token, "channel": "website", "recipient_name": "Agency", "days": 7})
    assert shared.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 0

    run_jobs()  # the faces are found: now the photo can go out, faces without consent blurred
    assert client.post(f"/admin/assets/{asset_id}/download", data={
        "csrf_token": token, "channel": "website",
        "recipient_name": "Regional paper"}).status_code == 200
