"""Item 8 (consent and library side): no metadata in kept or shared images, a child's
answer cannot be quietly replaced, opaque revocable consent links, owner-only files,
throttled share pages."""

from __future__ import annotations

import base64
import io
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from likeness.library import sharing
from likeness.library import upload as uploads
from likeness.library.renditions import Purpose, render
from likeness.models import Asset, Quitclaim, QuitclaimEvent
from likeness.platform.storage import asset_path, storage
from tests.support.helpers import FIXTURES, csrf_token_from, link_in, run_jobs
from tests.support.scenarios import invite_and_open, sign

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

SECRET = b"FOR-YOUR-EYES-ONLY payload in a JPEG comment"


def _jpeg_with_comment_and_icc() -> bytes:
    with Image.open(FIXTURES / "obama.jpg") as photo:
        buffer = io.BytesIO()
        icc = b"\x00\x00\x02\x0cFAKE" + b"\x00" * 120  # an ICC segment to carry along
        photo.convert("RGB").save(buffer, "JPEG", comment=SECRET, icc_profile=icc)
    data = buffer.getvalue()
    assert SECRET in data
    return data


def test_comments_and_icc_profiles_survive_neither_original_nor_share_image(
    app: Flask, db: Any, librarian: Any
):
    result = uploads.add_photo(_jpeg_with_comment_and_icc(), "commented.jpg", actor=librarian)
    run_jobs()
    asset = db.session.get(Asset, result.asset_id)
    kept = asset_path(asset.sha256).read_bytes()
    shared = storage().read(render(asset, Purpose.SHARE, []))
    for data in (kept, shared):
        assert SECRET not in data
        with Image.open(io.BytesIO(data)) as image:
            assert "comment" not in image.info and "icc_profile" not in image.info


def test_an_under_16_answer_replaced_by_an_adult_date_is_flagged_to_staff(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    make_staff("privacy_officer")  # staff alerts go to admins and privacy officers
    tagged_barack.person.date_of_birth = None  # unknown: the page asks for it
    db.session.commit()
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    child = (date.today() - relativedelta(years=13)).isoformat()
    refused = sign(client, path, channels=["website"], date_of_birth=child)
    assert refused.status_code == 400
    adult = (date.today() - relativedelta(years=30)).isoformat()
    assert sign(client, path, channels=["website"], date_of_birth=adult).status_code == 302
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    kinds = set(db.session.scalars(select(QuitclaimEvent.kind).where(
        QuitclaimEvent.quitclaim_id == quitclaim.id)))
    assert "age_conflict" in kinds
    run_jobs()
    alerts = [m for m in mailbox.messages if "Check the age" in (m["Subject"] or "")]
    assert len(alerts) == 1


def test_an_adult_answer_alone_is_not_flagged(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    tagged_barack.person.date_of_birth = None
    db.session.commit()
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    adult = (date.today() - relativedelta(years=30)).isoformat()
    assert sign(client, path, channels=["website"], date_of_birth=adult).status_code == 302
    assert "age_conflict" not in set(db.session.scalars(select(QuitclaimEvent.kind)))


def _manage_link(client: FlaskClient, mailbox: Any, email: str) -> str:
    page = client.get("/consent")
    client.post("/consent", data={"email": email,
                                  "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    run_jobs()
    return link_in(mailbox.to(email)[-1], "/consent/manage/")


def test_the_manage_consent_link_is_opaque_and_can_be_ended(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    run_jobs()
    first = _manage_link(client, mailbox, "barack@example.org")
    token = first.rsplit("/", 1)[1]
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"barack" not in decoded and b"example.org" not in decoded
    assert client.get(first).status_code == 200

    second = _manage_link(client, mailbox, "barack@example.org")
    assert client.get(first).status_code == 410  # replaced by the newer link
    page = client.get(second)
    assert client.post(f"{second}/end", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True))}).status_code == 302
    assert client.get(second).status_code == 410
    assert client.get("/consent/manage/" + "x" * 43).status_code == 400


def test_development_mail_files_are_readable_by_the_owner_only(app: Flask, db: Any):
    from likeness.platform import mail
    from likeness.platform.uow import use_case

    app.config["MAIL_SERVER"] = ""

    @use_case
    def queue() -> int:
        return mail.queue_email("dana@example.org", "password_changed", user=None).id

    queue()
    run_jobs()
    outbox = Path(app.config["INSTANCE_PATH"]) / "outbox"
    files = list(outbox.glob("*.eml"))
    assert files
    assert all(os.stat(f).st_mode & 0o777 == 0o600 for f in files)
    assert os.stat(outbox).st_mode & 0o077 == 0


def test_share_pages_are_throttled(app: Flask, client: FlaskClient, db: Any,
                                   tagged_barack: Any, librarian: Any):
    _link, token = sharing.create([tagged_barack.obama_asset], channel="website",
                                  recipient_name="Desk", recipient_email=None, actor=librarian)
    statuses = {client.get(f"/s/{token}").status_code for _ in range(121)}
    assert statuses == {200, 429}


