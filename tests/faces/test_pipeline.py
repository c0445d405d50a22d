"""The face pipeline on real photos: detect, encrypt, suggest, blur."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select, text

from likeness.errors import TemplateKeyError
from likeness.faces import crypto, engine
from likeness.library import indexing, tagging
from likeness.library.renditions import Purpose, render
from likeness.models import Asset, AssetStatus, AuditEvent, Face, TagSource
from likeness.platform.storage import asset_path, storage
from tests.support.helpers import run_jobs

# These tests are about the index and suggestions: every face holds a template.
# About detection itself: always the real engine, never a result reused from the run.
pytestmark = [pytest.mark.usefixtures("policy_all"), pytest.mark.real_detection]


def faces_of(db: Any, asset_id: int) -> list[Face]:
    return list(db.session.scalars(select(Face).where(Face.asset_id == asset_id)
                                   .order_by(Face.left)))


def test_each_photo_is_indexed_with_the_right_number_of_faces(app: Flask, db: Any, upload: Any):
    ids = upload("two_people.jpg", "32bit.png", "obama_small.jpg", "obama3.jpg")
    counts = {}
    for asset_id in ids:
        asset = db.session.get(Asset, asset_id)
        assert asset.status == AssetStatus.INDEXED
        counts[asset.original_filename] = len(faces_of(db, asset_id))
    assert counts == {"two_people.jpg": 2, "32bit.png": 1, "obama_small.jpg": 1,
                      "obama3.jpg": 1}


def test_a_larger_smallest_face_scans_a_smaller_copy_with_boxes_in_full_size_pixels(
        app: Flask, db: Any, upload: Any):
    app.config["FACE_MIN_PX"] = 160  # detection runs on a half-size copy
    (asset_id,) = upload("obama3.jpg")  # 1434 x 2333
    asset = db.session.get(Asset, asset_id)
    (face,) = faces_of(db, asset_id)
    assert face.right <= asset.width and face.bottom <= asset.height
    # The box is in full-size pixels: far larger than the half-size copy would give.
    assert face.right - face.left > 200


def test_obama_photos_suggest_each_other_and_biden_is_not_suggested(
    app: Flask, db: Any, upload: Any, librarian: Any
):
    obama, obama2, obama3, biden = upload("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")
    (first,) = faces_of(db, obama)
    tagging.tag_new_person(first.id, "Barack", actor=librarian)

    candidates = [faces_of(db, a)[0].id for a in (obama2, obama3, biden)]
    suggestions = tagging.suggest(candidates, actor=librarian)
    assert set(suggestions) == set(candidates[:2])
    for face_id in candidates[:2]:
        assert suggestions[face_id].person_name == "Barack"
        assert suggestions[face_id].distance < 0.6
    # Suggestions are never applied by themselves.
    assert all(f.person_id is None for f in faces_of(db, obama2))

    tagging.confirm_suggestion(candidates[0], suggestions[candidates[0]].person_id,
                               actor=librarian)
    confirmed = db.session.get(Face, candidates[0])
    assert confirmed.tag_source == TagSource.CONFIRMED
    assert confirmed.tagged_by_id == librarian.id


def test_a_rejected_suggestion_is_not_made_again(app: Flask, db: Any, upload: Any,
                                                 librarian: Any):
    obama, obama2 = upload("obama.jpg", "obama2.jpg")
    tagging.tag_new_person(faces_of(db, obama)[0].id, "Barack", actor=librarian)
    candidate = faces_of(db, obama2)[0]
    suggestion = tagging.suggest([candidate.id], actor=librarian)[candidate.id]
    tagging.reject_suggestion(candidate.id, suggestion.person_id, actor=librarian)
    assert tagging.suggest([candidate.id], actor=librarian) == {}


def test_templates_are_ciphertext_in_the_database(app: Flask, db: Any, upload: Any):
    (asset_id,) = upload("obama.jpg")
    (face,) = faces_of(db, asset_id)
    raw = db.session.execute(
        text("SELECT template_ciphertext FROM face WHERE id = :id"), {"id": face.id}
    ).scalar_one()
    raw = bytes(raw)
    assert len(raw) == crypto.NONCE_SIZE + 128 * 4 + 16
    stored = asset_path(db.session.get(Asset, asset_id).sha256)
    with Image.open(stored) as photo:
        real = engine.encode(np.asarray(photo.convert("RGB")),
                             engine.detect(np.asarray(photo.convert("RGB"))))[0]
    # No float array in the column: not the template, as float32 or float64, anywhere.
    for dtype in ("<f4", "<f8"):
        needle = np.asarray(real[:4], dtype=dtype).tobytes()
        assert needle not in raw
    floats = np.frombuffer(raw[crypto.NONCE_SIZE:crypto.NONCE_SIZE + 512], dtype="<f4")
    assert not np.allclose(floats, real, atol=0.05)
    # The right key decrypts it to the real template.
    ring = crypto.keyring()
    assert engine.distance(ring.decrypt(raw, face.template_key_version, face.id), real) < 0.05


def test_with_a_wrong_key_the_app_refuses_to_decrypt(app: Flask, db: Any, upload: Any,
                                                     librarian: Any):
    (asset_id,) = upload("obama.jpg")
    (face,) = faces_of(db, asset_id)
    import base64
    import json

    app.config["FACE_KEYS"] = json.dumps({"1": base64.b64encode(b"k" * 32).decode()})
    crypto.forget_keys()
    with pytest.raises(TemplateKeyError, match="could not be decrypted"):
        tagging.suggest([face.id], actor=librarian)


def test_a_template_moved_to_another_face_does_not_decrypt(app: Flask, db: Any, upload: Any):
    (asset_id,) = upload("two_people.jpg")
    first, second = faces_of(db, asset_id)
    ring = crypto.keyring()
    with pytest.raises(TemplateKeyError):
        ring.decrypt(first.template_ciphertext, first.template_key_version, second.id)


def test_blurred_rendition_hides_exactly_the_chosen_face(app: Flask, db: Any, upload: Any):
    (asset_id,) = upload("two_people.jpg")
    asset = db.session.get(Asset, asset_id)
    left, right = faces_of(db, asset_id)
    key = render(asset, Purpose.ACCESS_COPY, blur=[engine.Box(*left.box)])
    with Image.open(io.BytesIO(storage().read(key))) as rendition:
        assert not rendition.getexif()
        found = engine.detect(np.asarray(rendition.convert("RGB")))
    assert len(found) == 1
    (remaining,) = found
    # The face still found is the one we did not blur.
    assert abs(remaining.left - right.left) < 40


def test_renditions_are_cached_per_blur_set(app: Flask, db: Any, upload: Any):
    (asset_id,) = upload("two_people.jpg")
    asset = db.session.get(Asset, asset_id)
    left, right = faces_of(db, asset_id)
    plain = render(asset, Purpose.PREVIEW)
    assert render(asset, Purpose.PREVIEW) == plain
    blurred = render(asset, Purpose.PREVIEW, blur=[engine.Box(*left.box)])
    assert blurred != plain
    with Image.open(io.BytesIO(storage().read(plain))) as image:
        assert max(image.size) <= 1280


def test_template_reads_and_tags_are_audited(app: Flask, db: Any, upload: Any,
                                             librarian: Any):
    obama, obama2 = upload("obama.jpg", "obama2.jpg")
    face = faces_of(db, obama)[0]
    tagging.tag_new_person(face.id, "Barack", actor=librarian)
    tagging.suggest([faces_of(db, obama2)[0].id], actor=librarian)
    tagging.untag(face.id, actor=librarian)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"face.tagged", "face.template_read", "face.searched", "face.untagged",
            "asset.indexed"} <= actions


def test_not_a_face_drops_the_template(app: Flask, db: Any, upload: Any, librarian: Any):
    (asset_id,) = upload("obama.jpg")
    (face,) = faces_of(db, asset_id)
    tagging.mark_not_a_face(face.id, actor=librarian)
    db.session.refresh(face)
    assert face.is_not_a_face and face.template_ciphertext is None
    assert db.session.scalar(select(func.count()).select_from(Face)
                             .where(Face.template_ciphertext.is_not(None))) == 0


def test_jobs_run_twice_leave_one_set_of_faces(app: Flask, db: Any, upload: Any):

    (asset_id,) = upload("two_people.jpg")
    indexing.index_asset(asset_id)
    run_jobs()
    assert len(faces_of(db, asset_id)) == 2
