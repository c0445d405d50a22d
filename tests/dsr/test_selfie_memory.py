"""Selfies are decoded small, within a memory budget, before the unit of work opens.

The peak memory of whole uploads is measured in tests/dsr/test_upload_memory.py.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from bench.upload_memory import flat_png
from likeness.dsr import intake
from likeness.errors import Unavailable, UnsupportedFile
from likeness.library import decode_budget, imaging
from likeness.platform import uow
from tests.support.helpers import csrf_token_from
from tests.support.scenarios import latest_request

SIDE = 7700  # 59.3 MP: just under the 60 MP cap


def bomb_png(path: Path, side: int = SIDE) -> Path:
    """A flat RGBA PNG of side x side pixels (a few hundred KB)."""
    path.write_bytes(flat_png(side, side, 8, 6, b"\x80\x90\xa0\xff" * side))
    return path


def test_a_phone_photo_is_accepted_and_kept_at_reduced_size(
    app: Flask, client: FlaskClient, db: Any
):
    image = Image.new("RGB", (6000, 4000), (120, 130, 140))  # a 24 MP phone photo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    page = client.get("/request")
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "Dana", "email": "dana@example.org", "details": "", "language": "en",
        "selfie_consent": "y", "selfie": (io.BytesIO(buffer.getvalue()), "phone.jpg"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    stored = latest_request(db)
    from likeness.platform.storage import instance_dir

    with Image.open(instance_dir() / stored.selfie_path) as kept:
        assert max(kept.size) <= app.config["SELFIE_MAX_SIDE"]


def test_above_the_stated_limit_the_answer_says_so_without_decoding(
    app: Flask, client: FlaskClient, tmp_path: Path
):
    oversized = bomb_png(tmp_path / "huge.png", side=8000)  # 64 MP
    page = client.get("/request")
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "Dana", "email": "dana@example.org", "details": "", "language": "en",
        "selfie_consent": "y", "selfie": (io.BytesIO(oversized.read_bytes()), "huge.png"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "the limit is 60 megapixels" in response.get_data(as_text=True)


def _jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 130, 140)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def test_decodes_wait_for_the_process_memory_budget_and_then_say_busy(
    app: Flask, monkeypatch: Any
):
    app.config["IMAGE_DECODE_BUDGET_MB"] = 50
    monkeypatch.setattr(imaging, "DECODE_WAIT_SECONDS", 0)
    budget = decode_budget.process_budget(50 * decode_budget.MB)
    photo = _jpeg(1000, 800)  # ~3 MB to decode, ~11 MB with fixed costs
    with budget.reserve(45 * decode_budget.MB, timeout=0) as granted:
        assert granted  # other requests are decoding 45 MB worth right now
        with pytest.raises(Unavailable):
            imaging.decode_upload(photo)
    # Once they are done, the same photo decodes, and gives its share back.
    assert imaging.decode_upload(photo).image.size == (1000, 800)
    assert budget.free == budget.capacity


def test_a_photo_over_its_format_budget_is_refused_with_the_limit(app: Flask):
    app.config["PHOTO_DECODE_BUDGET_MB"] = 40
    with pytest.raises(UnsupportedFile) as refused:
        imaging.decode_upload(_jpeg(3000, 2000))  # 6 MP: ~54 MB with its clean-up
    assert "too large to read as JPEG" in refused.value.message
    assert "megapixels" in refused.value.message


def test_a_landscape_jpeg_selfie_is_decoded_reduced(app: Flask):
    decoded = imaging.decode_selfie(_jpeg(6000, 4000))
    assert max(decoded.image.size) <= app.config["SELFIE_MAX_SIDE"]
    assert decode_budget.draft_scale((6000, 4000), app.config["SELFIE_MAX_SIDE"]) == 4


def test_the_selfie_is_decoded_before_the_unit_of_work_opens(
    app: Flask, client: FlaskClient, db: Any, monkeypatch: Any
):
    seen: list[bool] = []
    real = intake.decode_selfie

    def spy(data: bytes) -> Any:
        seen.append(uow.in_unit_of_work())
        return real(data)

    monkeypatch.setattr(intake, "decode_selfie", spy)
    page = client.get("/request")
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "Dana", "email": "dana@example.org", "details": "", "language": "en",
        "selfie_consent": "y", "selfie": (io.BytesIO(_jpeg(1200, 900)), "me.jpg"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    assert seen == [False]  # no transaction (no SQLite write lock) during the decode


def test_a_damaged_selfie_is_reported_at_once(client: FlaskClient, db: Any):
    page = client.get("/request")
    response = client.post("/request", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "type": "access",
        "name": "Dana", "email": "dana@example.org", "details": "", "language": "en",
        "selfie_consent": "y", "selfie": (io.BytesIO(_jpeg(1200, 900)[:5000]), "me.jpg"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The image is damaged or incomplete." in response.get_data(as_text=True)
    assert latest_request(db) is None
