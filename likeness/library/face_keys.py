"""Rotating the face template key: re-encrypt every template under the newest key."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from likeness.extensions import db
from likeness.faces import crypto
from likeness.models import Face
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@use_case
def rotate(*, actor: Actor) -> tuple[int, int]:
    """Add a new key version (file-based keys) and re-encrypt; returns (version, count).

    With keys in `FACE_KEYS`, add the new key there first: this re-encrypts every
    template under the highest version present.
    """
    if not current_app.config.get("FACE_KEYS"):
        crypto.add_key_to_file(Path(current_app.config["FACE_KEY_FILE"]))
    crypto.forget_keys()
    ring = crypto.keyring()
    version = ring.current_version
    count = 0
    query = (
        select(Face)
        .where(Face.template_ciphertext.is_not(None), Face.template_key_version != version)
        .order_by(Face.id)
    )
    for face in db.session.scalars(query).all():
        template = ring.decrypt_face(face)
        face.template_ciphertext, face.template_key_version = ring.encrypt(template, face.id)
        count += 1
    audit.record("face.key_rotated", actor=actor,
                 details={"key_version": version, "templates": count})
    # One transaction: a failure half-way leaves every template under its old key.
    return version, count
