"""XMP sidecars through the API: off until an admin turns them on for the image bank;
then the same sidecar as `flask export-xmp` (read back with exiftool), with the photo's
permission URL, no names, and the state of today (a withdrawal shows at once)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.integrations import keys
from likeness.library import xmp_export
from likeness.models import AuditEvent, Integration, Quitclaim, QuitclaimAsset, QuitclaimChannel
from likeness.platform.actor import CLI
from likeness.platform.clock import today
from tests.library import xmp_files
from tests.support.helpers import csrf_token_from

TAGS = ("ModelReleaseStatus", "ModelReleaseID", "ImageRegion", "WebStatement")


@pytest.fixture
def consented(tagged_barack: Any, register: Any, db: Any) -> Any:
    """obama.jpg as IMG-1 and two_people.jpg as IMG-2; Barack's quitclaim covers both on
    the website; the other face on IMG-2 is nobody on file."""
    register("IMG-1", tagged_barack.obama_asset)
    register("IMG-2", tagged_barack.group_asset)
    qc = Quitclaim(person_id=tagged_barack.person.id, text_version="v1", language="en",
                   valid_from=today() - timedelta(days=1),
                   valid_until=today() + timedelta(days=365), signer_name="s")
    qc.assets = [QuitclaimAsset(asset_id=a)
                 for a in (tagged_barack.obama_asset, tagged_barack.group_asset)]
    qc.channels = [QuitclaimChannel(channel="website")]
    db.session.add(qc)
    db.session.commit()
    tagged_barack.quitclaim_id = qc.id
    return tagged_barack


def _xmp_on(db: Any) -> None:
    keys.set_xmp_export(db.session.scalars(select(Integration.id)).one(), True, actor=CLI)


def _read(data: bytes, tmp_path: Path, name: str) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(data)
    tags = xmp_files.read_back(path, *TAGS)
    del tags["SourceFile"]
    return tags


def test_xmp_is_off_until_an_admin_turns_it_on(client: FlaskClient, bearer: dict[str, str],
                                               consented: Any, logged_in: Any, db: Any):
    response = client.get("/api/v1/assets/IMG-1/xmp", headers=bearer)
    assert response.status_code == 403
    assert "XMP export is off" in response.get_json()["detail"]
    logged_in("admin")
    page = f"/admin/integrations/{db.session.scalars(select(Integration.id)).one()}"
    html = client.get(page).get_data(as_text=True)
    assert "Turn XMP sidecars on" in html
    client.post(f"{page}/xmp", data={"csrf_token": csrf_token_from(html), "enabled": "1"})
    assert "Turn XMP sidecars off" in client.get(page).get_data(as_text=True)
    assert client.get("/api/v1/assets/IMG-1/xmp", headers=bearer).status_code == 200
    (event,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "integration.xmp_export_changed"))
    assert event.details == {"enabled": True}


def test_the_sidecar_is_the_exported_one_with_the_permission_url(
        client: FlaskClient, bearer: dict[str, str], consented: Any, db: Any, tmp_path: Path):
    _xmp_on(db)
    response = client.get("/api/v1/assets/IMG-1/xmp", headers=bearer)
    assert response.status_code == 200 and response.mimetype == "application/rdf+xml"
    assert b"Barack" not in response.data and b"Obama" not in response.data
    assert b"MR-UMR" not in response.data  # never "unlimited"
    through_api = _read(response.data, tmp_path, "api.xmp")
    exported = _read(xmp_export.export_asset(consented.obama_asset, actor=CLI) or b"",
                     tmp_path, "cli.xmp")
    url = through_api.pop("WebStatement")
    assert url == "http://localhost/api/v1/assets/IMG-1/permissions"
    assert "WebStatement" not in exported
    assert through_api == exported
    assert through_api["ModelReleaseStatus"] == "MR-LMR"
    assert through_api["ModelReleaseID"] == [xmp_export.opaque_ref("quitclaim",
                                                                   consented.quitclaim_id)]
    (region,) = through_api["ImageRegion"]
    assert region["PersonInImageWDetails"] == [
        {"PersonId": [xmp_export.opaque_ref("person", consented.person.id)]}]
    # The URL answers with the key (and a channel), and only with a key.
    assert client.get(f"{url}?channel=website", headers=bearer).get_json()["decision"] == (
        "allowed")
    assert client.get(f"{url}?channel=website").status_code == 401


def test_each_read_says_what_holds_now(client: FlaskClient, bearer: dict[str, str],
                                       consented: Any, db: Any, tmp_path: Path):
    _xmp_on(db)
    group = _read(client.get("/api/v1/assets/IMG-2/xmp", headers=bearer).data, tmp_path,
                  "group.xmp")
    assert group["ModelReleaseStatus"] == "MR-NON"  # the stranger has no release
    assert sorted(r["XMP-plus:ModelReleaseStatus"] for r in group["ImageRegion"]) == [
        "MR-LMR", "MR-NON"]
    withdrawal.withdraw(consented.quitclaim_id, actor=CLI)
    after = _read(client.get("/api/v1/assets/IMG-1/xmp", headers=bearer).data, tmp_path,
                  "after.xmp")
    assert after["ModelReleaseStatus"] == "MR-NON" and "ModelReleaseID" not in after
    exports = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api.xmp_exported")).all()
    assert [e.subject for e in exports] == [f"asset:{consented.group_asset}",
                                            f"asset:{consented.obama_asset}"]


def test_bad_requests_for_a_sidecar(client: FlaskClient, make_key: Any, consented: Any,
                                    db: Any, upload: Any, register: Any):
    _xmp_on(db)
    writer = {"Authorization": f"Bearer {make_key(['assets:write'])}"}
    assert client.get("/api/v1/assets/IMG-1/xmp", headers=writer).status_code == 403
    reader = {"Authorization": f"Bearer {make_key(['assets:read'])}"}
    assert client.get("/api/v1/assets/NOPE/xmp", headers=reader).status_code == 404
    (asset_id,) = upload("biden.jpg", index=False)
    register("NEW", asset_id)
    response = client.get("/api/v1/assets/NEW/xmp", headers=reader)
    assert response.status_code == 409
    assert "not known yet" in response.get_json()["detail"]
