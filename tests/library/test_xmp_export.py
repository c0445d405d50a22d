"""Sidecars for the image bank: release status per face, references instead of names.

Barack signs a quitclaim (the real portal flow) for obama.jpg and two_people.jpg; the
other person on two_people.jpg is not on file. `flask export-xmp` writes the sidecars,
exiftool reads them back; withdrawing the consent rewrites them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.library import xmp_export
from likeness.models import Asset, AuditEvent, Quitclaim
from likeness.platform import daily
from likeness.platform.actor import CLI
from likeness.platform.clock import AMSTERDAM
from likeness.platform.storage import storage
from tests.library import xmp_files
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign

TAGS = ("ModelReleaseStatus", "ModelReleaseID", "ImageRegion")



def test_export_says_limited_release_per_face_and_none_after_withdrawal(
        app: Flask, db: Any, client: FlaskClient, mailbox: Any, librarian: Any,
        tagged_barack: Any, tmp_path: Path):
    scenario = tagged_barack
    path = invite_and_open(client, mailbox, scenario, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    for asset_id in (scenario.obama_asset, scenario.group_asset):
        db.session.get(Asset, asset_id).collection = "press"
    db.session.commit()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    person_ref = xmp_export.opaque_ref("person", scenario.person.id)
    release_ref = xmp_export.opaque_ref("quitclaim", quitclaim.id)

    result = app.test_cli_runner().invoke(args=["export-xmp", "press", "--to", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 sidecars written" in result.output
    portrait = xmp_files.read_back(tmp_path / "obama.jpg.xmp", *TAGS)
    group = xmp_files.read_back(tmp_path / "two_people.jpg.xmp", *TAGS)

    # The portrait: Barack's one face is covered, so limited releases (never unlimited).
    assert portrait["ModelReleaseStatus"] == "MR-LMR"
    assert portrait["ModelReleaseID"] == [release_ref]
    (region,) = portrait["ImageRegion"]
    assert region["PersonInImageWDetails"] == [{"PersonId": [person_ref]}]
    assert region["XMP-plus:ModelReleaseStatus"] == "MR-LMR"
    assert region["RegionBoundary"]["RbUnit"] == "relative"
    # The group: the stranger has no release, so the photo has none.
    assert group["ModelReleaseStatus"] == "MR-NON"
    assert "ModelReleaseID" not in group
    statuses = sorted(r["XMP-plus:ModelReleaseStatus"] for r in group["ImageRegion"])
    assert statuses == ["MR-LMR", "MR-NON"]
    for path in tmp_path.glob("*.xmp"):
        text = path.read_text()
        assert "Barack" not in text and "Obama" not in text  # no names, ever
        assert "MR-UMR" not in text

    # Withdrawal rewrites the sidecars the image bank already has.
    withdrawal.withdraw(quitclaim.id, actor=CLI)
    run_jobs()
    db.session.expire_all()
    asset = db.session.get(Asset, scenario.obama_asset)
    rewritten = tmp_path / "rewritten.xmp"
    with storage().open(xmp_export.sidecar_key(asset)) as handle:
        rewritten.write_bytes(handle.read())
    after = xmp_files.read_back(rewritten, *TAGS)
    assert after["ModelReleaseStatus"] == "MR-NON"
    assert "ModelReleaseID" not in after
    assert [r["XMP-plus:ModelReleaseStatus"] for r in after["ImageRegion"]] == ["MR-NON"]
    exports = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "asset.xmp_exported")).all()
    assert len(exports) == 4  # two by the command, two rewritten after the withdrawal

    # A new signature rewrites them again, and so does its expiry.
    mailbox.messages.clear()
    path = invite_and_open(client, mailbox, scenario, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    assert _stored(db, scenario.obama_asset, tmp_path)["ModelReleaseStatus"] == "MR-LMR"
    renewed = db.session.scalars(select(Quitclaim).where(Quitclaim.id != quitclaim.id)).one()
    after_end = datetime.combine(renewed.valid_until + timedelta(days=1),
                                 datetime.min.time().replace(hour=12), tzinfo=AMSTERDAM)
    with time_machine.travel(after_end, tick=False):
        daily.schedule_if_due()
        run_jobs()
        assert _stored(db, scenario.obama_asset, tmp_path)["ModelReleaseStatus"] == "MR-NON"


def _stored(db: Any, asset_id: int, tmp_path: Path) -> dict[str, Any]:
    """The sidecar in the storage, as exiftool reads it."""
    db.session.expire_all()
    copy = tmp_path / f"stored-{asset_id}.xmp"
    with storage().open(xmp_export.sidecar_key(db.session.get(Asset, asset_id))) as handle:
        copy.write_bytes(handle.read())
    return xmp_files.read_back(copy, *TAGS)


def test_export_of_an_unknown_collection_says_so(app: Flask):
    result = app.test_cli_runner().invoke(args=["export-xmp", "nowhere"])
    assert result.exit_code != 0
    assert "No photos in collection 'nowhere'" in result.output
