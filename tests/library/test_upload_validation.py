"""Untrusted files: each bad one gets a clear message and leaves nothing behind."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from bench.upload_memory import flat_png
from likeness.library import upload
from likeness.models import Asset, OutboxJob
from likeness.platform.storage import asset_path, instance_dir
from tests.support.helpers import FIXTURES

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`


def stored_files() -> list[Path]:
    root = instance_dir() / "assets"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def asset_count(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(Asset))


def bomb_png() -> bytes:
    # 400 megapixels (black, 1 bit each) that compress to ~50 KB: a decompression bomb.
    return flat_png(20000, 20000, 1, 0, bytes(20000 // 8))


def truncated_jpeg() -> bytes:
    data = (FIXTURES / "obama.jpg").read_bytes()
    return data[: len(data) // 2]


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("huge.png", bomb_png, "too many pixels"),
        ("cut.jpg", truncated_jpeg, "damaged or incomplete"),
        ("page.jpg", lambda: HTML, "not a photo we accept"),
        ("empty.jpg", lambda: b"", "empty"),
        ("anim.gif", lambda: _gif(), "not a photo we accept"),
    ],
)
def test_bad_file_is_refused_with_a_reason_and_leaves_nothing(
    app: Flask, db: Any, librarian: Any, name: str, data: Any, message: str
):
    result = upload.add_photo(data(), name, actor=librarian)
    assert not result.ok
    assert message in result.error
    assert asset_count(db) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxJob)) == 0
    assert stored_files() == []


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    return buffer.getvalue()


def test_pixel_cap_between_limit_and_twice_the_limit_is_an_error_too(
    app: Flask, db: Any, librarian: Any
):
    app.config["MAX_IMAGE_PIXELS"] = 1_000_000
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000)).save(buffer, "PNG")  # 1.2 MP: Pillow would only warn
    result = upload.add_photo(buffer.getvalue(), "big.png", actor=librarian)
    assert "too many pixels" in result.error
    assert asset_count(db) == 0


def test_file_over_the_size_limit_is_refused(app: Flask, db: Any, librarian: Any):
    app.config["MAX_UPLOAD_FILE_BYTES"] = 50_000
    result = upload.add_photo((FIXTURES / "obama.jpg").read_bytes(), "obama.jpg",
                               actor=librarian)
    assert "larger than" in result.error
    assert asset_count(db) == 0


def test_zip_with_an_unsafe_path_refuses_that_member_and_keeps_the_rest(
    app: Flask, db: Any, librarian: Any, tmp_path: Path
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../x.jpg", (FIXTURES / "obama.jpg").read_bytes())
        archive.writestr("/etc/y.jpg", (FIXTURES / "obama.jpg").read_bytes())
        archive.writestr("event/biden.jpg", (FIXTURES / "biden.jpg").read_bytes())
        archive.writestr("event/notes.jpg", HTML)
        archive.writestr("__MACOSX/event/._biden.jpg", b"junk")
    results = list(upload.add_zip(buffer.getvalue(), actor=librarian, collection="Gala"))
    by_name = {r.filename: r for r in results}
    assert "unsafe" in by_name["../../x.jpg"].error
    assert "unsafe" in by_name["/etc/y.jpg"].error
    assert "not a photo" in by_name["notes.jpg"].error
    assert by_name["biden.jpg"].ok
    assert len(results) == 4  # the macOS metadata entry is skipped
    (asset,) = db.session.scalars(select(Asset)).all()
    assert asset.original_filename == "biden.jpg" and asset.collection == "Gala"
    assert not (tmp_path.parent / "x.jpg").exists()
    assert len(stored_files()) == 1


def test_not_a_zip_is_refused(app: Flask, librarian: Any):
    from likeness.errors import UnsupportedFile

    with pytest.raises(UnsupportedFile, match="not a ZIP"):
        list(upload.add_zip(b"PK\x03\x04 broken", actor=librarian))


def test_the_same_photo_twice_is_one_asset(app: Flask, db: Any, librarian: Any):
    data = (FIXTURES / "obama.jpg").read_bytes()
    first = upload.add_photo(data, "obama.jpg", actor=librarian)
    second = upload.add_photo(data, "copy of obama.jpg", actor=librarian)
    assert second.duplicate and second.asset_id == first.asset_id
    assert asset_count(db) == 1


def test_orientation_is_applied_and_gps_never_stored(app: Flask, db: Any, librarian: Any):
    with Image.open(FIXTURES / "obama_small.jpg") as image:
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
        exif[0x8825] = {2: (52.0, 22.0, 0.0), 1: "N"}  # GPS position
        exif[0x010F] = "CameraMaker"
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", exif=exif)
        width, height = image.size
    result = upload.add_photo(buffer.getvalue(), "phone.jpg", actor=librarian)
    asset = db.session.get(Asset, result.asset_id)
    assert (asset.width, asset.height) == (height, width)
    raw = asset_path(asset.sha256).read_bytes()
    assert b"Exif" not in raw and b"CameraMaker" not in raw
    with Image.open(asset_path(asset.sha256)) as stored:
        assert not stored.getexif()


def test_heic_from_a_phone_is_accepted(app: Flask, db: Any, librarian: Any):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    with Image.open(FIXTURES / "obama_small.jpg") as image:
        image.save(buffer, "HEIF")
    result = upload.add_photo(buffer.getvalue(), "IMG_0001.HEIC", actor=librarian)
    assert result.ok, result.error
    assert db.session.get(Asset, result.asset_id).image_format == "heif"


def test_webp_is_accepted(app: Flask, db: Any, librarian: Any):
    buffer = io.BytesIO()
    with Image.open(FIXTURES / "obama_small.jpg") as image:
        image.save(buffer, "WEBP")
    assert upload.add_photo(buffer.getvalue(), "x.webp", actor=librarian).ok


def test_zip_members_packed_other_than_stored_or_deflated_are_not_unpacked(
    app: Flask, db: Any, librarian: Any
):
    photo = (FIXTURES / "biden.jpg").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bz.jpg", photo, compress_type=zipfile.ZIP_BZIP2)
        archive.writestr("xz.jpg", photo, compress_type=zipfile.ZIP_LZMA)
        archive.writestr("ok.jpg", photo, compress_type=zipfile.ZIP_DEFLATED)
    by_name = {r.filename: r for r in upload.add_zip(buffer.getvalue(), actor=librarian)}
    assert "compressed in a way we do not accept" in by_name["bz.jpg"].error
    assert "compressed in a way we do not accept" in by_name["xz.jpg"].error
    assert by_name["ok.jpg"].ok
    assert asset_count(db) == 1


def test_a_zip_member_packed_tighter_than_a_photo_can_be_is_refused(
    app: Flask, db: Any, librarian: Any
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("flat.jpg", bytes(20 * 1024 * 1024))  # 20 MB -> ~20 KB
    (result,) = upload.add_zip(buffer.getvalue(), actor=librarian)
    assert "declares far more data than it holds" in result.error
    assert asset_count(db) == 0 and stored_files() == []


def test_a_zip_member_holding_more_than_it_declares_is_never_read_past_it(
    app: Flask, db: Any, librarian: Any
):
    real = (FIXTURES / "biden.jpg").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("liar.jpg", real)
    data = bytearray(buffer.getvalue())
    declared = (1024).to_bytes(4, "little")
    data[22:26] = declared  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = declared
    data[central + 20:central + 24] = declared  # compressed size too: a STORED member
    (result,) = upload.add_zip(bytes(data), actor=librarian)
    assert "damaged" in result.error  # the first KB only, and its checksum fails
    assert asset_count(db) == 0


def test_reading_a_zip_member_stops_one_byte_past_the_limit(app: Flask):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.jpg", bytes(range(256)) * 4000)  # 1 MB
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        member = archive.infolist()[0]
        assert upload._read_member(archive, member, 500_000) is None
        assert len(upload._read_member(archive, member, 2_000_000) or b"") == 1_024_000
