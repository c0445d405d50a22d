"""Names in photo metadata end up on the right detected faces, and only staff tag them.

two_people.jpg is stored turned (EXIF Orientation 6 or 8), as a camera held upright
stores it, with regions exiftool writes on the stored pixels: a name with a comma on
the left face, an unnamed region on the right face, and a named region where there is
no face at all. The real detector runs on the upright photo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from likeness.library import indexing, metadata_import, people
from likeness.library import upload as uploads
from likeness.models import (
    Asset,
    AssetStatus,
    AuditEvent,
    Face,
    FaceOrigin,
    Person,
    TagSource,
)
from tests.library import xmp_files
from tests.support.helpers import FIXTURES, csrf_token_from, run_jobs

W, H = 1126, 661  # two_people.jpg, upright
# Boxes as a photographer draws them (a little larger than the detector's).
LEFT = (240 / W, 30 / H, 420 / W, 215 / H)  # detector: left 253, top 47, right 408, bottom 202
RIGHT = (765 / W, 40 / H, 975 / W, 255 / H)  # detector: left 778, top 57, right 964, bottom 242
NOWHERE = (520 / W, 470 / H, 600 / W, 560 / H)  # no face here


def _upload(tmp_path: Path, librarian: Any, orientation: int, schema: str,
            regions: list[tuple[xmp_files.Norm, str | None]]) -> int:
    upright = Image.open(FIXTURES / "two_people.jpg").convert("RGB")
    stored = xmp_files.stored_image(upright, orientation)
    path = tmp_path / f"group-{orientation}.jpg"
    stored.save(path, quality=95)
    tags = (xmp_files.mwg(regions, orientation, stored.size) if schema == "mwg"
            else xmp_files.iptc(regions, orientation, stored.size))
    xmp_files.write({path: {"Orientation": orientation, **tags}}, tmp_path)
    result = uploads.add_photo(path.read_bytes(), "group.jpg", actor=librarian)
    assert result.ok, result.error
    run_jobs()
    return result.asset_id or 0


def _faces(db: Any, asset_id: int) -> list[Face]:
    return list(db.session.scalars(select(Face).where(Face.asset_id == asset_id)
                                   .order_by(Face.left)))


def test_orientation_6_names_land_on_the_detected_faces_and_staff_confirm_them(
        app: Flask, db: Any, client: FlaskClient, logged_in: Any, tmp_path: Path,
        policy_all: None):
    librarian = logged_in("librarian")
    asset_id = _upload(tmp_path, librarian, 6, "mwg",
                       [(LEFT, "Doe, Jane"), (RIGHT, None), (NOWHERE, "Piet Jansen")])
    asset = db.session.get(Asset, asset_id)
    assert asset.status == AssetStatus.INDEXED
    left, ghost, right = _faces(db, asset_id)
    # The detector's faces got the names of the regions over them; nothing is tagged yet.
    assert (left.origin, left.imported_name, left.person_id) == ("detector", "Doe, Jane", None)
    assert (right.origin, right.imported_name) == ("detector", None)
    # The region with no face under it is kept as a face of its own, from metadata.
    assert (ghost.origin, ghost.imported_name) == (FaceOrigin.METADATA, "Piet Jansen")
    assert db.session.scalar(select(Person).where(Person.name == "Doe, Jane")) is None

    page = client.get("/admin/library/imported-names")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Doe, Jane" in html and "Piet Jansen" in html
    existing = people.create("Piet Jansen", actor=librarian)  # already on file
    response = client.post("/admin/library/imported-names", data={
        "csrf_token": csrf_token_from(html), "decision": "confirm",
        "face": [str(left.id), str(ghost.id)]}, follow_redirects=True)
    assert response.status_code == 200
    assert "2 faces tagged." in response.get_data(as_text=True)
    assert "1 person added." in response.get_data(as_text=True)
    db.session.expire_all()
    jane = db.session.scalar(select(Person).where(Person.name == "Doe, Jane"))
    assert jane is not None
    left, ghost, right = _faces(db, asset_id)
    assert (left.person_id, left.tag_source, left.imported_name) == (
        jane.id, TagSource.METADATA, None)
    assert (ghost.person_id, ghost.tag_source) == (existing.id, TagSource.METADATA)
    # Under policy `all` detected faces have templates; a region the detector did not see
    # as a face gets none, not even after the policy job ran for the new tags.
    run_jobs()
    db.session.expire_all()
    left, ghost, right = _faces(db, asset_id)
    assert left.template_ciphertext is not None and right.template_ciphertext is not None
    assert ghost.template_ciphertext is None
    # The import and the tags are in the audit trail, without the names.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["asset.metadata_imported", "asset.metadata_matched", "face.tagged"]))).all()
    assert {e.action for e in events} == {"asset.metadata_imported", "asset.metadata_matched",
                                          "face.tagged"}
    assert not any("Jane" in str(e.details) for e in events)

    # A re-index keeps what came from the metadata: no face lost, none twice.
    asset = db.session.get(Asset, asset_id)
    asset.status = AssetStatus.PENDING
    db.session.commit()
    indexing.index_asset(asset_id)
    db.session.expire_all()
    again = _faces(db, asset_id)
    assert len(again) == 3
    assert {(f.person_id, f.tag_source) for f in again if f.person_id} == {
        (jane.id, "metadata"), (existing.id, "metadata")}


def test_orientation_8_iptc_regions_and_a_suppressed_name_is_never_proposed(
        app: Flask, db: Any, librarian: Any, tmp_path: Path):
    erased = people.create("Doe, Jane", actor=librarian)
    erased.is_suppressed = True
    db.session.commit()
    asset_id = _upload(tmp_path, librarian, 8, "iptc",
                       [(LEFT, "Doe, Jane"), (RIGHT, "Kees de Vries")])
    left, right = _faces(db, asset_id)
    assert (left.origin, left.imported_name) == ("detector", None)  # erased: not proposed
    assert (right.origin, right.imported_name) == ("detector", "Kees de Vries")
    assert metadata_import.pending() == [(right, db.session.get(Asset, asset_id))]


def test_dismissing_a_name_keeps_the_face(app: Flask, db: Any, client: FlaskClient,
                                          logged_in: Any, tmp_path: Path):
    librarian = logged_in("librarian")
    upright = Image.open(FIXTURES / "obama.jpg").convert("RGB")
    path = tmp_path / "obama.jpg"
    upright.save(path, quality=95)
    # Microsoft People Tagging, no rotation (detector: left 349, top 142, right 617, bottom 409).
    xmp_files.write({path: xmp_files.mp([((0.36, 0.10, 0.70, 0.38), "Someone Else")], 1)},
                    tmp_path)
    result = uploads.add_photo(path.read_bytes(), "obama.jpg", actor=librarian)
    run_jobs()
    (face,) = _faces(db, result.asset_id or 0)
    assert face.imported_name == "Someone Else" and face.origin == "detector"
    html = client.get("/admin/library/imported-names").get_data(as_text=True)
    response = client.post("/admin/library/imported-names", data={
        "csrf_token": csrf_token_from(html), "decision": "dismiss", "face": str(face.id)},
        follow_redirects=True)
    assert "1 name dismissed." in response.get_data(as_text=True)
    db.session.expire_all()
    (face,) = _faces(db, result.asset_id or 0)
    assert face.imported_name is None and face.person_id is None
    assert db.session.scalar(select(Person).where(Person.name == "Someone Else")) is None
    # Checking the photo for faces again does not bring the dismissed name back.
    asset = db.session.get(Asset, result.asset_id)
    asset.status = AssetStatus.PENDING
    db.session.commit()
    indexing.index_asset(asset.id)
    db.session.expire_all()
    (face,) = _faces(db, result.asset_id or 0)
    assert face.imported_name is None


def test_confirming_finds_people_on_file_in_any_case_and_leaves_ambiguous_names(
        app: Flask, db: Any, client: FlaskClient, logged_in: Any, upload: Any):
    librarian = logged_in("librarian")
    (asset_id,) = upload("obama.jpg", index=False)  # faces placed by hand: no detector needed
    umlaut = Face(asset_id=asset_id, top=10, right=60, bottom=60, left=10,
                  imported_name="Özil, Mesut")
    twice = Face(asset_id=asset_id, top=10, right=160, bottom=60, left=110,
                 imported_name="Jan Jansen")
    db.session.add_all([umlaut, twice])
    db.session.commit()
    mesut = people.create("özil, mesut", actor=librarian)
    people.create("Jan Jansen", actor=librarian)
    people.create("jan jansen", actor=librarian)

    html = client.get("/admin/library/imported-names").get_data(as_text=True)
    assert "özil, mesut</a> (on file)" in html
    assert "Several people have this name" in html
    result = metadata_import.confirm([umlaut.id, twice.id], actor=librarian)
    assert (result.tagged, result.people_created) == (1, 0)
    assert [face_id for face_id, _reason in result.refused] == [twice.id]
    db.session.expire_all()
    assert db.session.get(Face, umlaut.id).person_id == mesut.id
    assert db.session.get(Face, twice.id).imported_name == "Jan Jansen"  # still waiting


def test_only_editors_decide_and_an_empty_choice_is_refused(
        app: Flask, client: FlaskClient, logged_in: Any):
    logged_in("viewer")
    assert client.get("/admin/library/imported-names").status_code == 403
    logged_in("librarian")
    html = client.get("/admin/library/imported-names").get_data(as_text=True)
    assert "No names waiting." in html
    response = client.post("/admin/library/imported-names", data={
        "csrf_token": csrf_token_from(html), "decision": "confirm", "face": ["x", "-1"]},
        follow_redirects=True)
    assert response.status_code == 200
    assert "Tick one or more names first." in response.get_data(as_text=True)
