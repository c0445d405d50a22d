"""XMP sidecars for the image bank: who is on the photo, by reference, and release status.

Off until asked for (`flask export-xmp <collection>`): one `.xmp` sidecar per photo, never
the photo itself, with one IPTC `ImageRegion` per face carrying an opaque person
reference (never a name), and PLUS model-release fields:

* `plus:ModelReleaseStatus` is "limited or incomplete model releases" (MR-LMR) when
  every face has a valid quitclaim for some channel, and "none" (MR-NON) when any face
  has none (untagged, withdrawn, expired, erased, restricted) or no face is known.
  Never "unlimited" (MR-UMR): a GDPR consent can always be withdrawn.
* `plus:ModelReleaseID`: opaque references of the valid quitclaims.

Regions are measured on the photo upright, as Likeness shows it, in relative units.
A photo exported once gets a new sidecar whenever a quitclaim on it is signed, withdrawn
or expires (job `refresh_xmp_sidecars`, from the same unit of work as the change).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from collections import defaultdict
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.library import consent_status
from likeness.models import (
    Asset,
    AssetStatus,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimStatus,
    utcnow,
)
from likeness.platform import audit, exiftool
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.clock import today as amsterdam_today
from likeness.platform.jobs import job
from likeness.platform.storage import storage
from likeness.platform.uow import use_case

LIMITED = "MR-LMR"
NONE = "MR-NON"


def sidecar_key(asset: Asset) -> str:
    return f"sidecars/{asset.sha256[:2]}/{asset.sha256}.xmp"


def opaque_ref(kind: str, record_id: int) -> str:
    """A stable reference the image bank can match on, from which no id or name follows."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"xmp:{kind}:{record_id}".encode(), hashlib.sha256).hexdigest()
    return f"urn:likeness:{kind}:{digest[:24]}"


def describe(asset: Asset, *, on: date | None = None) -> dict[str, Any]:
    """The sidecar's tags (exiftool names, raw values) for one photo."""
    on = on or amsterdam_today()
    consent = consent_status.for_asset(asset.id)
    valid = _valid_quitclaims(asset.id, on)
    regions = []
    all_released = consent.indexed and bool(consent.faces)
    release_ids: list[str] = []
    for face in asset.faces:
        if face.is_not_a_face:
            continue
        lights = consent.faces.get(face.id, {})
        quitclaims = valid.get(face.person_id, []) if face.person_id is not None else []
        released = bool(quitclaims) and any(
            light != consent_status.Light.RED for light in lights.values())
        all_released = all_released and released
        ids = [opaque_ref("quitclaim", q) for q in quitclaims] if released else []
        release_ids += [i for i in ids if i not in release_ids]
        region: dict[str, Any] = {
            "RegionBoundary": _boundary(face.box, asset.width, asset.height),
            "RId": opaque_ref("face", face.id),
            "ModelReleaseStatus": LIMITED if released else NONE,
        }
        if ids:
            region["ModelReleaseID"] = ids
        if face.person_id is not None:
            region["PersonInImageWDetails"] = [
                {"PersonId": [opaque_ref("person", face.person_id)]}]
        regions.append(region)
    tags: dict[str, Any] = {"ModelReleaseStatus": LIMITED if all_released else NONE}
    if all_released and release_ids:
        tags["ModelReleaseID"] = release_ids
    if regions:
        tags["ImageRegion"] = regions
    return tags


@use_case
def export_asset(asset_id: int, *, actor: Actor = SYSTEM) -> bytes | None:
    """Write (or rewrite) the photo's sidecar; its bytes, or None if there is no photo
    or its faces are not known yet (nothing can be said about releases then)."""
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status != AssetStatus.INDEXED:
        return None
    tags = describe(asset)
    data = render(tags)
    storage().write(sidecar_key(asset), data)
    asset.xmp_exported_at = utcnow()
    audit.record("asset.xmp_exported", actor=actor, subject=f"asset:{asset.id}",
                 details={"status": tags["ModelReleaseStatus"],
                          "regions": len(tags.get("ImageRegion", []))})
    return data


def render(tags: dict[str, Any]) -> bytes:
    """The sidecar's bytes for these tags, as exiftool writes them."""
    with tempfile.TemporaryDirectory(prefix="likeness-xmp-") as tmp:
        path = os.path.join(tmp, "sidecar.xmp")
        exiftool.write_json(path, tags)
        with open(path, "rb") as handle:
            return handle.read()


def refresh_later(asset_ids: list[int]) -> None:
    """In the current unit of work: rewrite the sidecars of those exported before."""
    exported = sorted(db.session.scalars(select(Asset.id).where(
        Asset.id.in_(asset_ids), Asset.xmp_exported_at.is_not(None))))
    if exported:
        refresh_xmp_sidecars.later(exported)


@job
def refresh_xmp_sidecars(asset_ids: list[int]) -> None:
    """Rewrite each sidecar (idempotent: each one says what holds now)."""
    for asset_id in asset_ids:
        export_asset(asset_id)


def collection_assets(collection: str) -> list[int]:
    return list(db.session.scalars(select(Asset.id).where(Asset.collection == collection)
                                   .order_by(Asset.id)))


def _valid_quitclaims(asset_id: int, on: date) -> dict[int, list[int]]:
    """person -> ids of their quitclaims valid today on this photo for some channel."""
    rows = db.session.execute(
        select(Quitclaim.person_id, Quitclaim.id)
        .join(QuitclaimAsset, QuitclaimAsset.quitclaim_id == Quitclaim.id)
        .join(QuitclaimChannel, QuitclaimChannel.quitclaim_id == Quitclaim.id)
        .where(QuitclaimAsset.asset_id == asset_id,
               Quitclaim.status == QuitclaimStatus.SIGNED,
               Quitclaim.valid_from <= on, Quitclaim.valid_until >= on,
               QuitclaimChannel.withdrawn_at.is_(None))
        .distinct().order_by(Quitclaim.id)).all()
    valid: dict[int, list[int]] = defaultdict(list)
    for person_id, quitclaim_id in rows:
        valid[person_id].append(quitclaim_id)
    return dict(valid)


def _boundary(box: tuple[int, int, int, int], width: int, height: int) -> dict[str, Any]:
    top, right, bottom, left = box
    return {"RbShape": "rectangle", "RbUnit": "relative",
            "RbX": round(left / width, 6), "RbY": round(top / height, 6),
            "RbW": round((right - left) / width, 6), "RbH": round((bottom - top) / height, 6)}
