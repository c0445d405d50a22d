"""Rotating the face template key: re-encrypt every template under the newest key, and
retire old keys once nothing uses them.

Templates live on faces and elsewhere (a request's reference selfie): areas that keep
templates register a `KeyUser` so rotation re-encrypts theirs too, and retirement
knows whether a version is still in use.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from likeness.errors import Conflict, InvalidInput
from likeness.extensions import db
from likeness.faces import crypto
from likeness.models import Face
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


@dataclass(frozen=True)
class KeyUser:
    """Templates kept outside the face table: re-encrypt them, count them per version."""

    name: str
    reencrypt: Callable[[crypto.KeyRing], int]
    count_on: Callable[[int], int]


_KEY_USERS: dict[str, KeyUser] = {}


def register_key_user(user: KeyUser) -> None:
    _KEY_USERS[user.name] = user


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
    others = {user.name: user.reencrypt(ring) for user in _KEY_USERS.values()}
    audit.record("face.key_rotated", actor=actor,
                 details={"key_version": version, "templates": count, **others})
    # One transaction: a failure half-way leaves every template under its old key.
    return version, count + sum(others.values())


def templates_on(version: int) -> int:
    """How many templates (faces and every key user) are sealed with `version`."""
    faces = db.session.scalar(select(func.count()).select_from(Face).where(
        Face.template_ciphertext.is_not(None), Face.template_key_version == version)) or 0
    return int(faces) + sum(user.count_on(version) for user in _KEY_USERS.values())


@use_case
def retire(version: int, *, actor: Actor) -> None:
    """Remove an old key version from the key file, once no template uses it.

    With `FACE_KEYS` in the environment, this only checks: remove the key there."""
    ring = crypto.keyring()
    if version not in ring.keys:
        raise InvalidInput(_("There is no key version %(v)d.", v=version))
    if version == ring.current_version:
        raise Conflict(_("The newest key encrypts new templates: rotate first."))
    in_use = templates_on(version)
    if in_use:
        raise Conflict(_("%(n)d template(s) still use key version %(v)d: rotate first.",
                         n=in_use, v=version))
    if not current_app.config.get("FACE_KEYS"):
        _remove_from_file(Path(current_app.config["FACE_KEY_FILE"]), version)
        crypto.forget_keys()
    audit.record("face.key_retired", actor=actor, details={"key_version": version})


def _remove_from_file(path: Path, version: int) -> None:
    keys = json.loads(path.read_text())
    keys.pop(str(version), None)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle)
    tmp.replace(path)
