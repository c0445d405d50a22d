"""Searching the library by face. Every search, and every decryption it needs, is audited."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy import select

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.faces import engine, index, matrix
from likeness.library import search_service
from likeness.library.imaging import decode_upload
from likeness.models import Asset, Face
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.uow import use_case
from likeness.platform.worker import on_worker_start

# Workers answer request searches: load the compiled scan kernels when they start.
on_worker_start(matrix.preload)


@dataclass(frozen=True)
class FaceHit:
    face_id: int
    asset_id: int
    original_filename: str
    person_id: int | None
    distance: float


@use_case
def search(
    template: NDArray[np.floating],
    *,
    actor: Actor,
    purpose: str,
    k: int | None = 200,
    max_distance: float | None = None,
    exclude_face_ids: set[int] | None = None,
    exclude_restricted: bool = False,
) -> list[FaceHit]:
    """Faces near `template`, nearest first, with their assets (audited). At most `k`;
    `k=None` returns every face within the threshold (a request search: no silent cap).

    `exclude_restricted` leaves out photos restricted under Art. 18 (they are not used,
    e.g. for suggestions); a data subject's own request still finds them."""
    threshold = max_distance if max_distance is not None else _threshold()
    exclude = exclude_face_ids or set()
    limit = None if k is None else k + len(exclude)
    if search_service.searches_here():
        nearest = _nearest_here(template, limit, threshold, actor=actor)
    else:  # the machine's search worker holds the index (raises SearchUnavailable)
        nearest = search_service.ask(template, limit, threshold)
    pairs = [(face_id, dist) for face_id, dist in nearest if face_id not in exclude][:k]
    hits = _hydrate(pairs, exclude_restricted=exclude_restricted)
    audit.record("face.searched", actor=actor,
                 details={"purpose": purpose, "results": len(hits)})
    return hits


def _nearest_here(template: NDArray[np.floating], k: int | None, max_distance: float, *,
                  actor: Actor) -> list[tuple[int, float]]:
    """Search this process's index, brought up to date first (the decryption audited)."""
    answer = _search_index(template, k, max_distance)
    if answer.decrypted:
        _audit_decryption(answer.decrypted, actor)
    return answer.hits


def _search_index(template: NDArray[np.floating], k: int | None, max_distance: float
                  ) -> search_service.Answer:
    """This process's index, brought up to date first, searched: only reads."""
    face_index, decrypted = index.current_index()
    with face_index.lock:  # a job's commit may patch the index from another thread
        return search_service.Answer(face_index.search(template, k, max_distance), decrypted)


def _audit_decryption(count: int, actor: Actor) -> None:
    audit.record("face.templates_decrypted", actor=actor,
                 details={"count": count, "purpose": "search index"})


def _serve_query(template: NDArray[np.float32], k: int | None, max_distance: float
                 ) -> search_service.Answer:
    """A query the machine's search worker answers for another process.

    Not a use case: on SQLite a use case takes the write lock when it begins, and the
    asking process may hold that lock while it waits for this answer (a photo page's
    suggestions run inside its use case). A plain read transaction never waits for a
    writer, so the answer comes at once; the decryption is audited after the reply."""
    try:
        return _search_index(template, k, max_distance)
    finally:
        db.session.rollback()  # end the read snapshot before the next query


@use_case
def _record_index_decryption(count: int) -> None:
    _audit_decryption(count, SYSTEM)


def _start_search_service() -> None:
    search_service.start_server(_serve_query, _record_index_decryption)


on_worker_start(_start_search_service)


def find_in_photo(data: bytes, *, actor: Actor) -> list[FaceHit]:
    """Assets whose faces match the (largest) face in a photo: for `flask find-face`."""
    decoded = decode_upload(data)
    image = np.asarray(decoded.image)
    boxes = engine.detect(image)
    if not boxes:
        raise InvalidInput(_("No face was found in this photo."))
    largest = max(boxes, key=lambda b: (b.right - b.left) * (b.bottom - b.top))
    template = engine.encode(image, [largest])[0]
    return search(template, actor=actor, purpose="find-face")


def face_template_from_image(image: Image.Image) -> NDArray[np.float32] | None:
    array = np.asarray(image.convert("RGB"))
    boxes = engine.detect(array)
    if not boxes:
        return None
    largest = max(boxes, key=lambda b: (b.right - b.left) * (b.bottom - b.top))
    return engine.encode(array, [largest])[0]


def _hydrate(pairs: list[tuple[int, float]], *, exclude_restricted: bool) -> list[FaceHit]:
    if not pairs:
        return []
    distances = dict(pairs)
    query = (select(Face.id, Face.asset_id, Face.person_id, Asset.original_filename)
             .join(Asset, Asset.id == Face.asset_id).where(Face.id.in_(distances)))
    if exclude_restricted:
        query = query.where(Asset.is_restricted.is_(False))
    rows = db.session.execute(query).all()
    hits = [
        FaceHit(face_id=r[0], asset_id=r[1], person_id=r[2], original_filename=r[3],
                distance=distances[r[0]])
        for r in rows
    ]
    return sorted(hits, key=lambda h: h.distance)


def _threshold() -> float:
    return float(current_app.config["FACE_MATCH_THRESHOLD"])
