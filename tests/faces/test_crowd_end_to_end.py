"""A 24-megapixel group photo through the whole product: every face plain face_recognition
finds is indexed, and a share link for a channel where nobody consented shows no face."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from bench.crowds import make_crowd, unmatched
from likeness.faces import engine
from likeness.library import sharing
from likeness.library import upload as uploads
from likeness.models import Face
from tests.support.helpers import run_jobs

# About detection itself: always the real engine, never a result reused from the run.
pytestmark = pytest.mark.real_detection


def test_a_crowd_photo_is_indexed_whole_and_shared_with_every_face_blurred(
    app: Flask, client: FlaskClient, db: Any, librarian: Any
):
    crowd = make_crowd(seed=11, sizes="mixed")  # 6000x4000, faces of 50-220 px
    buffer = io.BytesIO()
    Image.fromarray(crowd.image).save(buffer, "JPEG", quality=92)
    result = uploads.add_photo(buffer.getvalue(), "crowd.jpg", actor=librarian)
    assert result.ok, result.error
    run_jobs()

    # The stored original (re-encoded) is what plain face_recognition is run on.
    from likeness.models import Asset
    from likeness.platform.storage import asset_path

    asset = db.session.get(Asset, result.asset_id)
    with Image.open(asset_path(asset.sha256)) as stored:
        original = np.asarray(stored.convert("RGB"))
    plain = [b.as_tuple() for b in engine.detect(original, upsample=1)]
    indexed = [f.box for f in db.session.scalars(select(Face).where(Face.asset_id == asset.id))]
    assert len(plain) >= 40
    assert unmatched(plain, indexed) == []  # Likeness finds every face plain finds

    _link, token = sharing.create([asset.id], channel="website", recipient_name="Press",
                                  recipient_email=None, actor=librarian)
    shown = client.get(f"/s/{token}/{asset.id}.jpg")
    assert shown.status_code == 200
    with Image.open(io.BytesIO(shown.data)) as rendition:
        seen = np.asarray(rendition.convert("RGB"))
    assert engine.detect(seen, upsample=1) == []  # nobody consented: no face is left
