"""Share links: recipients see only what consent allows, and lose it when consent goes."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.faces import engine
from likeness.models import Quitclaim
from likeness.platform.actor import person_actor
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import invite_and_open, sign


def test_share_blurs_faces_without_consent_and_dies_with_the_consent(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, logged_in: Any,
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    run_jobs()
    logged_in("librarian")
    app.config["PUBLIC_BASE_URL"] = "https://photos.example.org"  # not the Host header
    page = client.get(f"/admin/assets/{tagged_barack.group_asset}")
    response = client.post(f"/admin/assets/{tagged_barack.group_asset}/share", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "channel": "website",
        "recipient_name": "Daily News", "recipient_email": "desk@news.example", "days": "7",
    }, follow_redirects=True)
    # On PUBLIC_BASE_URL, whatever Host header the request came with.
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    url = re.search(re.escape(base) + r"(/s/[A-Za-z0-9_-]+)", response.get_data(as_text=True))
    assert url, response.get_data(as_text=True)
    share = url.group(1)

    recipient = app.test_client()
    assert "Daily News" in recipient.get(share).get_data(as_text=True)
    photo = recipient.get(f"{share}/{tagged_barack.group_asset}.jpg")
    with Image.open(io.BytesIO(photo.data)) as image:
        assert len(engine.detect(np.asarray(image.convert("RGB")))) == 1  # Biden blurred
    assert recipient.get(f"{share}/{tagged_barack.obama_asset}.jpg").status_code == 404

    quitclaim = db.session.scalars(select(Quitclaim)).one()
    withdrawal.withdraw(quitclaim.id, actor=person_actor(1), channel="website")
    assert recipient.get(share).status_code == 410
    run_jobs()
    assert len(mailbox.to("desk@news.example")) == 1
    assert recipient.get("/s/not-a-token").status_code == 404


@pytest.mark.parametrize("made_from", ["asset", "library"])
def test_a_share_link_is_built_on_the_public_address_and_never_put_in_a_flash(
    app: Flask, client: FlaskClient, tagged_barack: Any, logged_in: Any, made_from: str
):
    logged_in("librarian")
    app.config["PUBLIC_BASE_URL"] = "https://photos.example.org"
    asset_id = tagged_barack.obama_asset
    page = client.get(f"/admin/assets/{asset_id}")
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "channel": "internal",
            "recipient_name": "Agency", "days": "7"}
    if made_from == "asset":
        path = f"/admin/assets/{asset_id}/share"
    else:
        path, form["asset_ids"] = "/admin/library/share", str(asset_id)
    # The request's own Host (here localhost) never ends up in the link.
    response = client.post(path, data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"https://photos\.example\.org/s/[A-Za-z0-9_-]+", html), html
    assert "localhost/s/" not in html
    assert response.headers["Cache-Control"] == "no-store"
    # The session cookie (signed, not encrypted) carries no token in a flash.
    with client.session_transaction() as session:
        assert not any("/s/" in str(message) for message in session.get("_flashes", []))
