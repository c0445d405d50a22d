"""Indexing a photo: find every face, keep its box and (by policy) its encrypted template.

The face engine runs in the job's prepare step, outside the transaction (a 24 MP photo
takes seconds and must not hold the database's write lock); the transaction only
stores what it found.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces import detection, engine, index
from likeness.library import metadata_import
from likeness.library.face_templates import seal
from likeness.library.policy_settings import template_policy
from likeness.models import Asset, AssetStatus, Face, TemplatePolicy, utcnow
from likeness.platform import audit
from likeness.platform.actor import SYSTEM
from likeness.platform.jobs import job
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import use_case
from likeness.platform.worker import on_worker_start

log = logging.getLogger(__name__)

# A worker loads the face models once, when it starts, not inside its first job, and
# starts its detection processes (one per core) so the first large photo does not wait.
on_worker_start(engine.preload)
on_worker_start(detection.shared_pool)


@dataclass(frozen=True)
class Analysis:
    """What the face engine found on one stored photo (computed outside the transaction)."""

    sha256: str
    policy: TemplatePolicy
    min_face_px: int
    found: list[detection.Face]
    error: str | None = None


def analyse(asset_id: int) -> Analysis | None:
    """The job's prepare step: read-only, outside the transaction (see platform.jobs)."""
    asset = db.session.get(Asset, asset_id)
    if asset is None or asset.status == AssetStatus.INDEXED:
        return None
    return _analyse(asset.id, asset.sha256, template_policy())


@job(prepare=analyse)
@use_case
def index_asset(asset_id: int, prepared: Analysis | None = None) -> None:
    """Detect and store the faces of one asset. Idempotent: an indexed asset is left alone.

    The faces and the `indexed` status are committed together, so a worker killed
    halfway leaves the asset `pending` with no faces, and the rerun starts clean.
    """
    asset = _lock(asset_id)
    if asset is None or asset.status == AssetStatus.INDEXED:
        return
    policy = template_policy()
    analysis = prepared
    if (analysis is None or analysis.sha256 != asset.sha256 or analysis.policy != policy
            or analysis.min_face_px != current_app.config["FACE_MIN_PX"]):
        analysis = _analyse(asset.id, asset.sha256, policy)  # no (fitting) prepared result
    if analysis.error is not None:
        asset.status = AssetStatus.FAILED
        asset.failure_reason = _("The stored photo could not be read (%(error)s).",
                                 error=analysis.error)
        audit.record("asset.index_failed", actor=SYSTEM, subject=f"asset:{asset.id}")
        return
    # A previous attempt's leftovers go, except what came from the photo's metadata (or
    # was tagged from it): a re-index never wipes imported names.
    kept = [f for f in asset.faces if metadata_import.is_imported(f)]
    for existing in list(asset.faces):
        if existing not in kept:
            db.session.delete(existing)
    found_new = [found for found in analysis.found
                 if not metadata_import.overlaps_any(found.box.__dict__, kept)]
    faces = [Face(asset_id=asset.id, **found.box.__dict__) for found in found_new]
    db.session.add_all(faces)
    db.session.flush()
    imported = metadata_import.attach(asset, [*kept, *faces])
    # A face too small to encode reliably keeps its box (it is blurred) but no template.
    with_template = [(face, found.template) for face, found in zip(faces, found_new,
                                                                   strict=True)
                     if found.template is not None]
    added = seal([face for face, _t in with_template], [t for _f, t in with_template])
    if added:
        index.record_change(added=added)
    asset.status = AssetStatus.INDEXED
    asset.failure_reason = None
    asset.indexed_at = utcnow()
    audit.record(
        "asset.indexed",
        actor=SYSTEM,
        subject=f"asset:{asset.id}",
        details={"faces": len(faces), "templates_created": len(added), "policy": policy.value},
    )
    if imported:
        audit.record("asset.metadata_matched", actor=SYSTEM, subject=f"asset:{asset.id}",
                     details=imported)


def _analyse(asset_id: int, sha256: str, policy: TemplatePolicy) -> Analysis:
    min_face_px = int(current_app.config["FACE_MIN_PX"])
    try:
        with storage().open(asset_key(sha256)) as handle, Image.open(handle) as stored:
            image = np.asarray(stored.convert("RGB"))
        # `consented-only`: a new face is not tagged yet: no one consented to a template.
        found = detection.find_faces(image, min_face_px=min_face_px,
                                     templates=policy == TemplatePolicy.ALL)
    except (OSError, ValueError) as exc:
        log.warning("indexing asset %s failed: %s", asset_id, type(exc).__name__)
        return Analysis(sha256, policy, min_face_px, [], error=type(exc).__name__)
    return Analysis(sha256, policy, min_face_px, found)


def _lock(asset_id: int) -> Asset | None:
    query = select(Asset).where(Asset.id == asset_id)
    if db.session.get_bind().dialect.name == "postgresql":
        # Two workers given the same job: the second waits, then sees `indexed`.
        query = query.with_for_update()
    return db.session.scalar(query)
