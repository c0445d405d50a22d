"""Which faces hold an encrypted template, kept in line with the template policy.

* `all`: every face gets a template, except "not a face" and faces blurred for good
  after an erasure;
* `consented-only`: exactly the faces tagged to a person with active biometric consent
  have one: others lose theirs, consenting people's faces gain one;
* `off`: nothing is stored (switching to `off` purges at once, in the same commit).

A person's "no biometrics" choice wins under every policy: their faces never hold a
template (see `Person.no_biometrics_at`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces import detection, engine, index, templates
from likeness.faces.crypto import keyring
from likeness.library import policy_settings
from likeness.library.policy_settings import template_policy
from likeness.models import (
    Asset,
    AssetStatus,
    Face,
    FaceOrigin,
    Person,
    Quitclaim,
    QuitclaimStatus,
    TemplatePolicy,
)
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.jobs import job
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import use_case


@policy_settings.enforced_by
@job
@use_case
def enforce_template_policy() -> None:
    """Job: make the stored templates match the policy. Idempotent, and cheap when there
    is nothing to do (two queries)."""
    policy = template_policy()
    if policy == TemplatePolicy.OFF:
        return
    consenting = _consenting_people()
    refusing = _refusing_people()
    wanted = select(Face).join(Asset, Asset.id == Face.asset_id).where(
        Face.template_ciphertext.is_(None), Face.is_not_a_face.is_(False),
        Face.is_always_blurred.is_(False), Asset.status == AssetStatus.INDEXED,
        # Faces too small for a reliable template keep their box (blurred) and none.
        Face.right - Face.left >= detection.MIN_ENCODABLE_PX,
        Face.bottom - Face.top >= detection.MIN_ENCODABLE_PX,
        Face.person_id.is_(None) | Face.person_id.not_in(refusing),
        # Retention purged this untagged face's template: none again until it is tagged.
        Face.template_purged_at.is_(None) | Face.person_id.is_not(None),
        # A region only the photo's metadata names, where the detector saw no face: no
        # landmarks to trust, so no template (it is kept, tagged and blurred without one).
        Face.origin == FaceOrigin.DETECTOR)
    not_allowed: Any = Face.person_id.in_(refusing)
    if policy == TemplatePolicy.CONSENTED_ONLY:
        wanted = wanted.where(Face.person_id.in_(consenting))
        not_allowed = (Face.person_id.is_(None) | Face.person_id.not_in(consenting)
                       | Face.person_id.in_(refusing))
    unwanted = list(db.session.scalars(select(Face).where(
        Face.template_ciphertext.is_not(None), not_allowed)))
    missing = list(db.session.scalars(wanted))
    if not missing and not unwanted:
        return
    templates.drop(unwanted, reason="template policy", actor=SYSTEM)
    added = encode_faces(missing)
    if added:
        index.record_change(added=added)
    audit.record("face.templates_enforced", actor=SYSTEM,
                 details={"policy": policy.value, "created": len(added),
                          "deleted": len(unwanted)})


def delete_templates_of(person_id: int, *, actor: Actor, reason: str) -> int:
    """Delete every template of the person's faces now (in the current unit of work)."""
    faces = db.session.scalars(
        select(Face).where(Face.person_id == person_id, Face.template_ciphertext.is_not(None))
    ).all()
    return len(templates.drop(faces, reason=reason, actor=actor, subject=f"person:{person_id}"))


def _refusing_people() -> Any:
    return select(Person.id).where(Person.no_biometrics_at.is_not(None))


def _consenting_people() -> Any:
    return select(Quitclaim.person_id).where(
        Quitclaim.status == QuitclaimStatus.SIGNED,
        Quitclaim.biometric_consent.is_(True), Quitclaim.biometric_withdrawn_at.is_(None))


def encode_faces(faces: list[Face]) -> dict[int, np.ndarray]:
    """Compute, encrypt and set the templates of these faces (flushes nothing).

    Faces of a person who chose no biometrics are skipped, whoever asks, and so are faces
    too small for a reliable template (`detection.encodable`) and regions only the photo's
    metadata named (the detector saw no face there)."""
    added: dict[int, np.ndarray] = {}
    by_asset: dict[int, list[Face]] = {}
    refusing = set(db.session.scalars(_refusing_people()))
    for face in faces:
        if (face.person_id in refusing or not detection.encodable(engine.Box(*face.box))
                or face.origin == FaceOrigin.METADATA):
            continue
        by_asset.setdefault(face.asset_id, []).append(face)
    for asset_id, asset_faces in by_asset.items():
        asset = db.session.get(Asset, asset_id)
        if asset is None:
            continue
        with storage().open(asset_key(asset.sha256)) as handle, Image.open(handle) as stored:
            image = np.asarray(stored.convert("RGB"))
        encoded = engine.encode(image, [engine.Box(*f.box) for f in asset_faces])
        added.update(seal(asset_faces, encoded))
    return added


def seal(faces: list[Face], templates: list[np.ndarray]) -> dict[int, np.ndarray]:
    """Encrypt each template onto its face (the face id is the associated data)."""
    ring = keyring()
    for face, template in zip(faces, templates, strict=True):
        face.template_ciphertext, face.template_key_version = ring.encrypt(template, face.id)
    return {face.id: template for face, template in zip(faces, templates, strict=True)}
