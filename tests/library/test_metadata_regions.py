"""Face regions in photo metadata land where the face is on the photo we show.

Every file is written by exiftool in the test: MWG, Microsoft and IPTC regions, each on
photos stored with EXIF Orientation 1, 3, 6 and 8. A red square is painted into the
stored pixels where each region says the face is; after Pillow turns the photo upright
(as the library shows it), the imported box must cover that square.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import select

from likeness.library import erasing, metadata_import, people
from likeness.library import upload as uploads
from likeness.library.imaging import decode_upload
from likeness.models import Asset, Face
from likeness.platform import exiftool
from likeness.platform.uow import unit_of_work
from tests.library import xmp_files
from tests.support.helpers import csrf_token_from

pytestmark = pytest.mark.shared_app  # many short tests; see tests/conftest.py `app`

SHOWN = (400, 200)  # the upright photo, width x height
JANE = ((0.10, 0.20, 0.30, 0.70), "Doe, Jane")  # a name with a comma
UNNAMED = ((0.60, 0.30, 0.85, 0.80), None)
ORIENTATIONS = (1, 3, 6, 8)
SCHEMAS = ("mwg", "mp", "iptc")


def _photo(orientation: int, regions: list[tuple[xmp_files.Norm, str | None]]) -> Image.Image:
    shown = Image.new("RGB", SHOWN, "white")
    draw = ImageDraw.Draw(shown)
    for (x0, y0, x1, y1), _name in regions:
        draw.rectangle((x0 * SHOWN[0], y0 * SHOWN[1], x1 * SHOWN[0] - 1, y1 * SHOWN[1] - 1),
                       fill="red")
    return xmp_files.stored_image(shown, orientation)


def _tags(schema: str, orientation: int, regions: list[Any], size: tuple[int, int]) -> dict:
    tags = {"mwg": lambda: xmp_files.mwg(regions, orientation, size),
            "mp": lambda: xmp_files.mp(regions, orientation),
            "iptc": lambda: xmp_files.iptc(regions, orientation, size)}[schema]()
    return {"Orientation": orientation, **tags}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, int], Path]:
    """The twelve photos, written by one exiftool run."""
    workdir = tmp_path_factory.mktemp("xmp")
    files: dict[Path, dict[str, Any]] = {}
    paths = {}
    for orientation in ORIENTATIONS:
        stored = _photo(orientation, [JANE, UNNAMED])
        for schema in SCHEMAS:
            path = workdir / f"{schema}-{orientation}.jpg"
            stored.save(path, quality=95)
            files[path] = _tags(schema, orientation, [JANE, UNNAMED], stored.size)
            paths[(schema, orientation)] = path
    xmp_files.write(files, workdir)
    return paths


def _red_box(data: bytes) -> list[int]:
    """[top, right, bottom, left] of the red pixels once Pillow turned the photo upright."""
    upright = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    red = (upright[..., 0] > 200) & (upright[..., 1] < 90) & (upright[..., 2] < 90)
    ys, xs = np.nonzero(red)
    return [int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1, int(xs.min())]


def _close(box: list[int], expected: list[int], tolerance: int = 3) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(box, expected, strict=True))


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("schema", SCHEMAS)
def test_regions_land_on_the_face_for_every_schema_and_orientation(
        app: Flask, written: dict[tuple[str, int], Path], schema: str, orientation: int):
    data = written[(schema, orientation)].read_bytes()
    # exiftool reads back what the test wrote (names with commas stay whole).
    assert xmp_files.read_back(written[(schema, orientation)], "Orientation")["Orientation"] \
        == orientation
    decoded = decode_upload(data)
    assert decoded.image.size == SHOWN
    imported = metadata_import.read_upload(data, decoded)
    assert imported is not None
    regions = sorted(imported["regions"], key=lambda r: r["box"][3])
    assert [r["name"] for r in regions] == ["Doe, Jane", None]
    red_left = _red_box(_only(data, JANE[0], orientation))
    assert _close(regions[0]["box"], red_left), (regions[0]["box"], red_left)
    assert regions[1]["box"][3] > regions[0]["box"][1]  # the unnamed one is to the right


def _only(data: bytes, box: xmp_files.Norm, orientation: int) -> bytes:
    """A copy of the photo with only this region painted (to find its red square)."""
    stored = _photo(orientation, [(box, None)])
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_applied_dimensions_of_a_resized_copy_still_place_the_box(app: Flask, tmp_path: Path):
    path = tmp_path / "resized.jpg"
    _photo(6, [JANE]).save(path, quality=95)
    # The catalogue tagged a copy twice the size: same shape, so the normalised box holds.
    xmp_files.write({path: _tags("mwg", 6, [JANE], (400, 800))}, tmp_path)
    data = path.read_bytes()
    imported = metadata_import.read_upload(data, decode_upload(data))
    assert imported is not None and imported["warnings"] == []
    assert _close(imported["regions"][0]["box"], _red_box(data))


def test_applied_dimensions_of_another_shape_are_not_guessed_at(app: Flask, tmp_path: Path):
    path = tmp_path / "cropped.jpg"
    _photo(1, [JANE]).save(path, quality=95)
    # Tagged before a crop: the regions describe a 400 x 400 image, this one is 400 x 200.
    xmp_files.write({path: _tags("mwg", 1, [JANE], (400, 400))}, tmp_path)
    data = path.read_bytes()
    imported = metadata_import.read_upload(data, decode_upload(data))
    assert imported is not None
    assert imported["regions"] == []
    assert imported["warnings"] == ["mwg_dimensions_mismatch"]
    assert imported["names"] == ["Doe, Jane"]  # the name is kept, without a box


def test_names_without_regions_are_kept_as_hints(app: Flask, tmp_path: Path):
    path = tmp_path / "names.jpg"
    _photo(1, []).save(path, quality=95)
    xmp_files.write({path: {"PersonInImage": ["Doe, Jane", "Piet Jansen"]}}, tmp_path)
    data = path.read_bytes()
    imported = metadata_import.read_upload(data, decode_upload(data))
    assert imported == {"regions": [], "names": ["Doe, Jane", "Piet Jansen"], "warnings": []}


def test_a_photo_without_regions_imports_nothing(app: Flask, tmp_path: Path):
    data = (Path(__file__).parents[1] / "fixtures" / "obama.jpg").read_bytes()
    assert metadata_import.read_upload(data, decode_upload(data)) is None


def test_sidecars_in_both_naming_forms_come_with_their_photos_in_a_zip(
        app: Flask, db: Any, librarian: Any, tmp_path: Path):
    tagged = tmp_path / "tagged.jpg"
    _photo(6, [JANE]).save(tagged, quality=95)
    xmp_files.write({tagged: _tags("iptc", 6, [JANE], (200, 400))}, tmp_path)
    xmp_files.sidecar(tagged, tmp_path / "tagged.xmp")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for number, stem in enumerate(("first", "second")):
            # The photo itself carries only its orientation; the regions are in the sidecar.
            plain = tmp_path / f"{stem}.jpg"
            stored = _photo(6, [JANE])
            stored.putpixel((0, 0), (number, number, number))  # two photos, not duplicates
            stored.save(plain, quality=95)
            xmp_files.write({plain: {"Orientation": 6}}, tmp_path)
            zf.writestr(f"shoot/{stem}.jpg", plain.read_bytes())
        zf.writestr("shoot/first.jpg.xmp", (tmp_path / "tagged.xmp").read_bytes())
        zf.writestr("shoot/second.xmp", (tmp_path / "tagged.xmp").read_bytes())
        zf.writestr("shoot/orphan.xmp", (tmp_path / "tagged.xmp").read_bytes())
    *results, orphan = list(uploads.add_zip(archive.getvalue(), actor=librarian))
    assert [r.filename for r in results] == ["first.jpg", "second.jpg"]
    assert all(r.ok and not r.duplicate for r in results)
    assert orphan.filename == "shoot/orphan.xmp"
    assert orphan.error == "This .xmp sidecar was not used: no photo of the same name came with it."
    expected = _red_box((tmp_path / "first.jpg").read_bytes())
    for result in results:
        asset = db.session.get(Asset, result.asset_id)
        (region,) = asset.imported_regions["regions"]
        assert region["name"] == "Doe, Jane"
        assert _close(region["box"], expected)


def test_a_dead_exiftool_is_started_again(app: Flask, written: dict[tuple[str, int], Path]):
    path = str(written[("mwg", 1)])
    assert exiftool.read_json(path, ["Orientation"])["Orientation"] == 1
    process = exiftool._process
    assert process is not None
    process.popen.kill()
    process.popen.wait()
    assert exiftool.read_json(path, ["Orientation"])["Orientation"] == 1
    assert exiftool._process is not process


def _sidecar_pair(tmp_path: Path, stem: str) -> tuple[bytes, bytes, list[int]]:
    """A photo stored turned (orientation 6) and exiftool's sidecar holding its region."""
    tagged = tmp_path / f"{stem}-tagged.jpg"
    _photo(6, [JANE]).save(tagged, quality=95)
    xmp_files.write({tagged: _tags("mwg", 6, [JANE], (200, 400))}, tmp_path)
    xmp_files.sidecar(tagged, tmp_path / f"{stem}-tagged.xmp")
    plain = tmp_path / f"{stem}.jpg"
    stored = _photo(6, [JANE])
    stored.putpixel((1, 1), (len(stem), 0, 0))
    stored.save(plain, quality=95)
    xmp_files.write({plain: {"Orientation": 6}}, tmp_path)
    data = plain.read_bytes()
    return data, (tmp_path / f"{stem}-tagged.xmp").read_bytes(), _red_box(data)


def test_the_upload_page_pairs_a_photo_with_its_sidecar(
        app: Flask, db: Any, client: FlaskClient, logged_in: Any, tmp_path: Path):
    logged_in("librarian")
    photo, sidecar, expected = _sidecar_pair(tmp_path, "portrait")
    token = csrf_token_from(client.get("/admin/library/upload").get_data(as_text=True))
    response = client.post("/admin/library/upload", data={
        "csrf_token": token, "files": [(io.BytesIO(photo), "portrait.jpg"),
                                       (io.BytesIO(sidecar), "portrait.jpg.xmp")]},
        headers={"Accept": "application/json"}, content_type="multipart/form-data")
    (result,) = response.get_json()["results"]  # the sidecar is not a photo of its own
    assert result["ok"], result
    (region,) = db.session.get(Asset, result["asset_id"]).imported_regions["regions"]
    assert region["name"] == "Doe, Jane" and _close(region["box"], expected)


def test_import_photos_takes_the_sidecar_next_to_the_photo(app: Flask, db: Any,
                                                          tmp_path: Path):
    folder = tmp_path / "shoot"
    folder.mkdir()
    photo, sidecar, expected = _sidecar_pair(tmp_path, "event")
    (folder / "event.jpg").write_bytes(photo)
    (folder / "event.xmp").write_bytes(sidecar)
    result = app.test_cli_runner().invoke(args=["import-photos", str(folder)])
    assert "1 added" in result.output, result.output
    asset = db.session.scalars(select(Asset)).one()
    (region,) = asset.imported_regions["regions"]
    assert region["name"] == "Doe, Jane" and _close(region["box"], expected)


def test_one_face_written_in_three_schemas_is_one_region(app: Flask, tmp_path: Path):
    path = tmp_path / "all.jpg"
    _photo(8, [JANE]).save(path, quality=95)
    # digiKam-style: MWG with the name, Microsoft and IPTC repeating the same area unnamed.
    tags = {**_tags("mwg", 8, [JANE], (200, 400)), **xmp_files.mp([(JANE[0], None)], 8),
            **xmp_files.iptc([(JANE[0], None)], 8, (200, 400))}
    xmp_files.write({path: tags}, tmp_path)
    data = path.read_bytes()
    imported = metadata_import.read_upload(data, decode_upload(data))
    assert imported is not None
    (region,) = imported["regions"]
    assert (region["kind"], region["name"]) == ("mwg", "Doe, Jane")
    assert _close(region["box"], _red_box(data))


def test_a_sidecar_with_entity_declarations_is_not_read(app: Flask, tmp_path: Path):
    photo, sidecar, _expected = _sidecar_pair(tmp_path, "bomb")
    text = sidecar.decode()
    start = text.index("<x:xmpmeta")
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + text[start:]).encode()
    imported = metadata_import.read_upload(photo, decode_upload(photo), bomb)
    assert imported == {"regions": [], "names": [], "warnings": ["sidecar_not_xmp"]}
    # The same sidecar without the declarations is read.
    imported = metadata_import.read_upload(photo, decode_upload(photo), sidecar)
    assert imported is not None and imported["regions"][0]["name"] == "Doe, Jane"


def test_iptc_circles_and_polygons_become_their_bounding_boxes(app: Flask, tmp_path: Path):
    path = tmp_path / "shapes.jpg"
    _photo(1, []).save(path, quality=95)
    # 400 x 200: a circle at (100, 100) with radius 0.1 of the width (40 px), and a
    # polygon in pixels around x 250..350, y 40..160.
    circle = {"RegionBoundary": {"RbShape": "circle", "RbUnit": "relative", "RbX": 0.25,
                                 "RbY": 0.5, "RbRx": 0.1},
              "PersonInImage": ["Round"]}
    polygon = {"RegionBoundary": {"RbShape": "polygon", "RbUnit": "pixel", "RbVertices": [
        {"RbX": 250, "RbY": 40}, {"RbX": 350, "RbY": 100}, {"RbX": 300, "RbY": 160}]},
        "PersonInImageWDetails": [{"PersonName": "Poly"}]}
    product = {"RegionBoundary": {"RbShape": "rectangle", "RbUnit": "relative", "RbX": 0.0,
                                  "RbY": 0.0, "RbW": 0.1, "RbH": 0.1},
               "RCtype": [{"Identifier": ["http://cv.iptc.org/newscodes/imageregiontype/product"]}]}
    xmp_files.write({path: {"ImageRegion": [circle, polygon, product]}}, tmp_path)
    data = path.read_bytes()
    imported = metadata_import.read_upload(data, decode_upload(data))
    assert imported is not None
    regions = {r["name"]: r["box"] for r in imported["regions"]}
    assert regions == {"Round": [60, 140, 140, 60], "Poly": [40, 350, 160, 250]}


def test_erasure_forgets_the_name_wherever_metadata_brought_it(
        app: Flask, db: Any, librarian: Any, tmp_path: Path):
    path = tmp_path / "named.jpg"
    _photo(1, [JANE, UNNAMED]).save(path, quality=95)
    xmp_files.write({path: {**_tags("mwg", 1, [JANE, UNNAMED], SHOWN),
                            "PersonInImage": ["Doe, Jane", "Piet Jansen"]}}, tmp_path)
    result = uploads.add_photo(path.read_bytes(), "named.jpg", actor=librarian)
    asset = db.session.get(Asset, result.asset_id)
    waiting = Face(asset_id=asset.id, top=40, right=120, bottom=140, left=40,
                   imported_name="Doe, Jane")
    db.session.add(waiting)
    person = people.create("doe, jane", actor=librarian)
    db.session.commit()

    with unit_of_work():  # as the erasure's unit of work does
        person.is_suppressed = True
        erasing.suppress_person(person)
    db.session.expire_all()
    asset = db.session.get(Asset, result.asset_id)
    assert [r["name"] for r in asset.imported_regions["regions"]] == [None, None]
    assert asset.imported_regions["names"] == ["Piet Jansen"]
    assert db.session.get(Face, waiting.id).imported_name is None


def test_the_photo_page_shows_names_without_areas_and_why_areas_were_not_used(
        app: Flask, client: FlaskClient, logged_in: Any, tmp_path: Path):
    librarian = logged_in("librarian")
    path = tmp_path / "cropped.jpg"
    _photo(1, [JANE]).save(path, quality=95)
    xmp_files.write({path: _tags("mwg", 1, [JANE], (400, 400))}, tmp_path)
    result = uploads.add_photo(path.read_bytes(), "cropped.jpg", actor=librarian)
    page = client.get(f"/admin/assets/{result.asset_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Named in the file, without a face area: Doe, Jane" in html
    assert "drawn on an image of another shape" in html


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_regions_are_read_from_png_and_webp_too(app: Flask, tmp_path: Path, kind: str):
    path = tmp_path / f"photo.{kind.lower()}"
    _photo(1, [JANE]).save(path, kind)
    xmp_files.write({path: _tags("mwg", 1, [JANE], SHOWN)}, tmp_path)
    data = path.read_bytes()
    imported = metadata_import.read_upload(data, decode_upload(data))
    assert imported is not None
    (region,) = imported["regions"]
    assert region["name"] == "Doe, Jane" and _close(region["box"], _red_box(data))
