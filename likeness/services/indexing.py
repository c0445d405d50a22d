"""Indexing a photo: find every face, keep its box and (by policy) its encrypted template."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces import engine, index
from likeness.faces.crypto import keyring
from likeness.models import Asset, AssetStatus, Face, utcnow
from likeness.services import audit, outbox, settings
from likeness.storage import asset_path

log = logging.getLogger(__name__)


def index_asset(asset_id: int) -> None:
    """Detect and store the faces of one asset. Idempotent: an indexed asset is left alone.

    The faces and the `indexed` status are committed together, so a worker killed
    halfway leaves the asset `pending` with no faces, and the rerun starts clean.
    """
    asset = _lock(asset_id)
    if asset is None or asset.status == AssetStatus.INDEXED.value:
        outbox.rollback()
        return
    try:
        with Image.open(asset_path(asset.sha256)) as stored:
            image = np.asarray(stored.convert("RGB"))
        boxes = _detect(image)
    except (OSError, ValueError) as exc:
        log.warning("indexing asset %s failed: %s", asset_id, type(exc).__name__)
        asset.status = AssetStatus.FAILED.value
        asset.failure_reason = _("The stored photo could not be read (%(error)s).",
                                 error=type(exc).__name__)
        audit.record("asset.index_failed", actor="system", subject=f"asset:{asset.id}")
        outbox.commit()
        return

    policy = settings.template_policy()
    # `consented-only`: a new face is not tagged yet, so no one has consented to a template.
    keep_templates = policy == "all"
    templates = engine.encode(image, boxes) if keep_templates else []

    for existing in list(asset.faces):  # a previous failed attempt's leftovers
        db.session.delete(existing)
    faces = [Face(asset_id=asset.id, **box.__dict__) for box in boxes]
    db.session.add_all(faces)
    db.session.flush()
    added = _seal(faces, templates) if keep_templates else {}
    version = index.bump_version() if added else None
    asset.status = AssetStatus.INDEXED.value
    asset.failure_reason = None
    asset.indexed_at = utcnow()
    audit.record(
        "asset.indexed",
        actor="system",
        subject=f"asset:{asset.id}",
        details={"faces": len(faces), "templates_created": len(added), "policy": policy},
    )
    outbox.commit()
    if version is not None:
        index.apply_changes(version, added=added)


def _detect(image: np.ndarray) -> list[engine.Box]:
    """Detect on a copy scaled down to the configured long side; boxes in full-size pixels.

    Detection cost grows with the pixel count, encoding does not: so detect small,
    then encode each face on the full-resolution image (small faces keep detail).
    """
    height, width = image.shape[:2]
    long_side = current_app.config["FACE_DETECT_LONG_SIDE"]
    scale = min(1.0, long_side / max(height, width))
    if scale >= 1.0:
        return engine.detect(image)
    small = Image.fromarray(image).resize(
        (round(width * scale), round(height * scale)), Image.Resampling.BILINEAR
    )
    boxes = engine.detect(np.asarray(small))
    return [box.scaled(1 / scale, width, height) for box in boxes]


def _lock(asset_id: int) -> Asset | None:
    query = select(Asset).where(Asset.id == asset_id)
    if db.session.get_bind().dialect.name == "postgresql":
        # Two workers given the same job: the second waits, then sees `indexed`.
        query = query.with_for_update()
    return db.session.scalar(query)


def enforce_template_policy() -> None:
    """Job: make the stored templates match the policy. Idempotent, and cheap when there
    is nothing to do (two queries).

    * `all`: every face gets a template, except "not a face" and faces blurred for good
      after an erasure;
    * `consented-only`: exactly the faces tagged to a person with active biometric
      consent have one: others lose theirs, consenting people's faces gain one;
    * `off`: nothing is stored (switching to `off` purges at once, in the same commit).
    """
    policy = settings.template_policy()
    if policy == "off":
        return
    consenting = _consenting_people()
    wanted = select(Face).join(Asset, Asset.id == Face.asset_id).where(
        Face.template_ciphertext.is_(None), Face.is_not_a_face.is_(False),
        Face.is_always_blurred.is_(False), Asset.status == AssetStatus.INDEXED.value)
    unwanted: list[Face] = []
    if policy == "consented-only":
        wanted = wanted.where(Face.person_id.in_(consenting))
        unwanted = list(db.session.scalars(select(Face).where(
            Face.template_ciphertext.is_not(None),
            Face.person_id.is_(None) | Face.person_id.not_in(consenting))))
    missing = list(db.session.scalars(wanted))
    if not missing and not unwanted:
        outbox.rollback()
        return
    for face in unwanted:
        face.template_ciphertext = None
        face.template_key_version = None
    added = _encode_faces(missing)
    version = index.bump_version()
    audit.record("face.templates_enforced", actor="system",
                 details={"policy": policy, "created": len(added), "deleted": len(unwanted)})
    outbox.commit()
    index.apply_changes(version, added=added, removed=[f.id for f in unwanted])


def _consenting_people() -> Any:
    from likeness.models import Quitclaim, QuitclaimStatus

    return select(Quitclaim.person_id).where(
        Quitclaim.status == QuitclaimStatus.SIGNED.value,
        Quitclaim.biometric_consent.is_(True), Quitclaim.biometric_withdrawn_at.is_(None))


def _encode_faces(faces: list[Face]) -> dict[int, np.ndarray]:
    """Compute, encrypt and set the templates of these faces (flushes nothing)."""
    added: dict[int, np.ndarray] = {}
    by_asset: dict[int, list[Face]] = {}
    for face in faces:
        by_asset.setdefault(face.asset_id, []).append(face)
    for asset_id, asset_faces in by_asset.items():
        asset = db.session.get(Asset, asset_id)
        if asset is None:
            continue
        with Image.open(asset_path(asset.sha256)) as stored:
            image = np.asarray(stored.convert("RGB"))
        templates = engine.encode(image, [engine.Box(*f.box) for f in asset_faces])
        added.update(_seal(asset_faces, templates))
    return added


def _seal(faces: list[Face], templates: list[np.ndarray]) -> dict[int, np.ndarray]:
    """Encrypt each template onto its face (the face id is the associated data)."""
    ring = keyring()
    for face, template in zip(faces, templates, strict=True):
        face.template_ciphertext, face.template_key_version = ring.encrypt(template, face.id)
    return {face.id: template for face, template in zip(faces, templates, strict=True)}
