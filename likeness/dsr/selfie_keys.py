"""A request's reference-selfie template under key rotation and retirement.

The template is sealed with the face keys, bound to its request, and stored as
`version (2 bytes) || sealed` on the request (see `dsr.locate`).
"""

from __future__ import annotations

from sqlalchemy import select

from likeness.dsr.locate import _selfie_aad
from likeness.extensions import db
from likeness.faces.crypto import KeyRing
from likeness.library.face_keys import KeyUser, register_key_user
from likeness.models import SubjectRequest


def reencrypt(ring: KeyRing) -> int:
    count = 0
    for request in db.session.scalars(select(SubjectRequest).where(
            SubjectRequest.selfie_template_ciphertext.is_not(None))):
        sealed = request.selfie_template_ciphertext
        version = int.from_bytes(sealed[:2], "big") if sealed else ring.current_version
        if sealed is None or version == ring.current_version:
            continue
        aad = _selfie_aad(request.id)
        template = ring.decrypt_bound(sealed[2:], version, aad)
        blob, new_version = ring.encrypt_bound(template, aad)
        request.selfie_template_ciphertext = new_version.to_bytes(2, "big") + blob
        count += 1
    return count


def count_on(version: int) -> int:
    return sum(1 for sealed in db.session.scalars(select(
        SubjectRequest.selfie_template_ciphertext).where(
        SubjectRequest.selfie_template_ciphertext.is_not(None)))
        if sealed is not None and int.from_bytes(sealed[:2], "big") == version)


register_key_user(KeyUser("request_selfies", reencrypt, count_on))
