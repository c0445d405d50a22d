"""A blurred rendition for a photo that may not be used as it is: only on channels that
allow blurred publication, with exactly the faces not allowed there blurred."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from likeness.faces import engine
from likeness.models import Asset, Disclosure, Face, Quitclaim, QuitclaimAsset, QuitclaimChannel
from likeness.platform.clock import today


# For this whole module: blurred publication allowed on the website only.
@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"API_BLURRED_CHANNELS": "website"}


@pytest.fixture
def group(tagged_barack: Any, register: Any, db: Any) -> Any:
    """two_people.jpg as IMG-2: Barack (consented on the website) and an unknown face."""
    register("IMG-2", tagged_barack.group_asset)
    qc = Quitclaim(person_id=tagged_barack.person.id, text_version="v1", language="en",
                   valid_from=today() - timedelta(days=1),
                   valid_until=today() + timedelta(days=365), signer_name="s")
    qc.assets = [QuitclaimAsset(asset_id=tagged_barack.group_asset)]
    qc.channels = [QuitclaimChannel(channel="website")]
    db.session.add(qc)
    db.session.commit()
    return tagged_barack


def test_only_the_face_not_allowed_is_blurred(client, bearer, group, db):
    response = client.get("/api/v1/assets/IMG-2/rendition?channel=website", headers=bearer)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as image:
        found = engine.detect(np.asarray(image.convert("RGB")))
    barack = db.session.scalars(select(Face).where(
        Face.asset_id == group.group_asset, Face.person_id == group.person.id)).one()
    (remaining,) = found  # the unknown face is gone
    assert abs(remaining.left - barack.left) < 40
    disclosure = db.session.scalars(select(Disclosure)).one()
    assert disclosure.channel == "website" and disclosure.recipient_name == "Beeldbank"


def test_a_channel_without_blurred_publication_gets_none(client, bearer, group):
    response = client.get("/api/v1/assets/IMG-2/rendition?channel=print", headers=bearer)
    assert response.status_code == 403
    assert "not allowed on this channel" in response.get_json()["detail"]


def test_a_restricted_photo_gets_no_rendition(client, bearer, group, db):
    db.session.get(Asset, group.group_asset).is_restricted = True
    db.session.commit()
    assert client.get("/api/v1/assets/IMG-2/rendition?channel=website",
                      headers=bearer).status_code == 403


def test_a_photo_not_indexed_yet_gets_no_rendition(client, bearer, upload, register):
    (asset_id,) = upload("biden.jpg", index=False)
    register("NEW", asset_id)
    assert client.get("/api/v1/assets/NEW/rendition?channel=website",
                      headers=bearer).status_code == 409


@pytest.mark.parametrize("path", ["/api/v1/assets/NOPE/rendition?channel=website",
                                  "/api/v1/assets/IMG-2/rendition?channel=billboard",
                                  "/api/v1/assets/IMG-2/rendition"])
def test_bad_rendition_requests(client, bearer, group, path):
    assert client.get(path, headers=bearer).status_code in (404, 422)
