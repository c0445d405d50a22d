"""Locating a person's face across the library for a request.

Queries: the reference selfie's template (if given) and the templates of faces
already tagged to the person the request is linked to. Candidates become `Match`
rows that staff confirm or reject; nothing is acted on while unconfirmed.

The faces already tagged to the person are candidates under every policy. The
in-memory index answers at once for the faces that hold a template: every face under
`all`, the faces of people with biometric consent under `consented-only`. Under
`consented-only` the other faces are scanned on the fly, but only within the scope
staff set (collections, date range, or the whole library with a recorded reason, see
`likeness.dsr.scope`): the assets are split into chunks, each an RQ job that any worker
may take, and the templates computed for the comparison are thrown away. Faces of
people who chose "no biometrics" are never scanned.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy import ColumnElement, Select, distinct, func, select, update

from likeness.dsr import casework, scope
from likeness.errors import InvalidInput, NotFound
from likeness.extensions import db
from likeness.faces import detection, engine
from likeness.faces.crypto import keyring
from likeness.library import people, policy_settings, search
from likeness.library.imaging import decode_upload
from likeness.models import (
    Asset,
    AssetStatus,
    AuditEvent,
    Face,
    Match,
    MatchDecision,
    Person,
    ReceivedVia,
    SearchStatus,
    SubjectRequest,
    TemplatePolicy,
    utcnow,
)
from likeness.platform import audit
from likeness.platform.actor import SYSTEM, Actor
from likeness.platform.jobs import job
from likeness.platform.storage import asset_key, storage
from likeness.platform.uow import use_case


def _selfie_aad(request_id: int) -> bytes:
    return f"likeness-request-selfie:{request_id}".encode()


@use_case
def start(request_id: int, *, actor: Actor, early_reason: str = "") -> SubjectRequest:
    """Queue the search (staff press "Locate"); link the person first if known.

    Before the requester confirmed their email address a search runs only with a
    privacy officer's reason (recorded and audited)."""
    request = casework.get(request_id)
    if policy_settings.template_policy() == TemplatePolicy.OFF and request.person_id is None:
        raise InvalidInput(_("Face recognition is switched off: link the person, whose "
                             "tagged photos are then the candidates."))
    # Staff registered a letter or call themselves: searching is no disclosure, and the
    # answer still waits for the address (or a recorded check, `dsr.identity`).
    if request.email_verified_at is None and request.received_via == ReceivedVia.PORTAL:
        if not early_reason.strip():
            raise InvalidInput(_("The email address is not confirmed yet. To search anyway, "
                                 "say why it cannot wait."))
        request.early_search_reason = early_reason.strip()[:2000]
        audit.record("request.early_search", actor=actor, subject=f"request:{request.id}")
    if scope.awaiting_approval(request):
        raise InvalidInput(_("The scope goes beyond what the requester named: a second "
                             "privacy officer or an admin must approve it before the search."))
    request.search_status = SearchStatus.RUNNING
    request.search_chunks_total = 0
    request.search_chunks_done = 0
    request.search_faces_compared = 0
    request.search_photos_not_scanned = None
    request.search_run = secrets.token_hex(8)
    request.last_search_at = utcnow()
    prepare.later(request.id, request.search_run)
    audit.record("request.search_started", actor=actor, subject=f"request:{request.id}")
    return request


@job(about="request")
@use_case
def prepare(request_id: int, run: str) -> None:
    """Job: compute the selfie template, then search the index or fan out the scan.

    A no-op when a newer search replaced this run, or this run was already prepared."""
    request = casework.get(request_id)
    if request.search_run != run or request.search_status != SearchStatus.RUNNING or (
        request.search_chunks_total
    ):
        return
    if request.selfie_path and request.selfie_template_ciphertext is None:
        data = casework.selfie_bytes(request)
        if data is not None:
            image = np.asarray(decode_upload(data).image)
            boxes = engine.detect(image)
            if boxes:
                largest = max(boxes, key=lambda b: (b.right - b.left) * (b.bottom - b.top))
                template = engine.encode(image, [largest])[0]
                blob, version = keyring().encrypt_bound(template, _selfie_aad(request.id))
                # The request has no key-version column: the version leads the blob.
                request.selfie_template_ciphertext = version.to_bytes(2, "big") + blob
    _tagged_faces_as_matches(request)
    policy = policy_settings.template_policy()
    queries = _queries(request)
    if policy != TemplatePolicy.OFF:
        for template in queries:  # the faces that hold a template, at once
            # Every face within the threshold: an answer may never leave one out.
            hits = search.search(template, actor=SYSTEM, purpose=f"request:{request.id}",
                                 k=None)
            _upsert(request, [(h.face_id, h.distance) for h in hits])
    chunks: list[list[int]] = []
    if policy == TemplatePolicy.CONSENTED_ONLY and queries:
        asset_ids = list(db.session.scalars(
            select(Asset.id).where(scope.asset_filter(request)).order_by(Asset.id)))
        size = current_app.config["SEARCH_CHUNK_ASSETS"]
        chunks = [asset_ids[i:i + size] for i in range(0, len(asset_ids), size)]
    request.search_collections_not_scanned = (
        (scope.health_collections_left_out(request) or None)
        if policy == TemplatePolicy.CONSENTED_ONLY and queries else None)
    request.search_chunks_total = len(chunks)
    request.search_chunks_done = 0
    request.search_photos_not_scanned = (
        _photos_not_scanned(request, scanned=bool(queries))
        if policy == TemplatePolicy.CONSENTED_ONLY else None)
    for number, chunk in enumerate(chunks):
        scan_chunk.later(request.id, run, number, chunk)
    if not chunks:
        request.search_status = SearchStatus.DONE
    audit.record("request.search_prepared", actor=SYSTEM, subject=f"request:{request.id}",
                 details={"policy": policy.value, "queries": len(queries),
                          "chunks": request.search_chunks_total,
                          "photos_not_scanned": request.search_photos_not_scanned,
                          "health_collections_not_scanned": len(
                              request.search_collections_not_scanned or [])})


def _photos_not_scanned(request: SubjectRequest, *, scanned: bool) -> int:
    """Photos with faces the search could only have compared by scanning them (no
    template, not excluded) that it did not scan: outside the scope, or every one of them
    when there was nothing to compare with. The case page says so (no silent gaps)."""
    where = Asset.status == AssetStatus.INDEXED
    if scanned:
        # NOT IN a subquery, not NOT(filter): a NULL collection must count as outside.
        where = where & Asset.id.not_in(select(Asset.id).where(scope.asset_filter(request)))
    return int(db.session.scalar(
        select(func.count(distinct(Face.asset_id))).join(Asset, Asset.id == Face.asset_id)
        .where(where, Face.is_not_a_face.is_(False), ~_not_to_scan(request))) or 0)


Prepared = tuple[str, list[tuple[int, float]], int]


def prepare_chunk(request_id: int, run: str, number: int,
                  asset_ids: list[int]) -> Prepared | None:
    """The chunk job's prepare step: the comparison, outside the transaction."""
    request = db.session.get(SubjectRequest, request_id)
    if request is None or request.search_run != run:
        return None
    queries = _query_templates(request)
    found, encoded = _scan(request, asset_ids, queries)
    return _fingerprint(queries), found, encoded


@job(prepare=prepare_chunk, about="request")
@use_case
def scan_chunk(request_id: int, run: str, number: int, asset_ids: list[int],
               prepared: Prepared | None = None) -> None:
    """Job: compare every face on these assets with the request's query templates.

    The templates computed here are never stored. Safe to run twice: matches are
    upserted, and the chunk counter only moves once per chunk (checked by its audit).
    """
    request = casework.get(request_id)
    if request.search_run != run:
        return  # a newer search replaced this one
    queries = _queries(request)
    if prepared is not None and prepared[0] == _fingerprint(queries):
        found, encoded = prepared[1], prepared[2]
    else:
        found, encoded = _scan(request, asset_ids, queries)
    _upsert(request, found)
    marker = f"request.search_chunk:{request.id}:{run}:{number}"
    already = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "request.search_chunk_done",
        AuditEvent.subject == marker).limit(1))
    if already is None:
        db.session.execute(update(SubjectRequest).where(SubjectRequest.id == request.id).values(
            search_chunks_done=SubjectRequest.search_chunks_done + 1,
            # Bystanders included: compared in memory, counted, never stored.
            search_faces_compared=SubjectRequest.search_faces_compared + encoded))
        audit.record("request.search_chunk_done", actor=SYSTEM, subject=marker,
                     details={"assets": len(asset_ids), "faces": encoded,
                              "candidates": len(found)})
        db.session.flush()
        db.session.refresh(request)
        if request.search_chunks_done >= request.search_chunks_total:
            request.search_status = SearchStatus.DONE


def _not_to_scan(request: SubjectRequest) -> ColumnElement[bool]:
    """SQL: faces a scan must not compute a template of: those of people who chose no
    biometrics, those that already hold one (the index answered for them), and the
    linked person's own (already candidates)."""
    refusing = select(Person.id).where(Person.no_biometrics_at.is_not(None))
    excluded_person: ColumnElement[bool] = Face.person_id.in_(refusing)
    if request.person_id is not None:
        excluded_person = excluded_person | (Face.person_id == request.person_id)
    # Spelled out for NULL: an untagged face must come out as "scan it", not unknown.
    return Face.template_ciphertext.is_not(None) | (Face.person_id.is_not(None)
                                                    & excluded_person)


def _scan(request: SubjectRequest, asset_ids: list[int],
          queries: list[NDArray[np.float32]]) -> tuple[list[tuple[int, float]], int]:
    """Compare the faces on these assets that may be scanned with the queries; returns the
    candidates within the threshold and how many faces were encoded. The templates
    computed here are thrown away: only distances leave this function."""
    threshold = float(current_app.config["FACE_MATCH_THRESHOLD"])
    found: list[tuple[int, float]] = []
    to_scan: dict[int, list[Face]] = {}
    for face in db.session.scalars(select(Face).where(
            Face.asset_id.in_(asset_ids), Face.is_not_a_face.is_(False),
            ~_not_to_scan(request)).order_by(Face.id)):
        if detection.encodable(engine.Box(*face.box)):  # too small: no reliable template
            to_scan.setdefault(face.asset_id, []).append(face)
    encoded = 0
    if not queries:
        return found, encoded
    for asset in db.session.scalars(select(Asset).where(Asset.id.in_(list(to_scan)))):
        faces = to_scan[asset.id]
        encoded += len(faces)
        with storage().open(asset_key(asset.sha256)) as handle, Image.open(handle) as stored:
            image = np.asarray(stored.convert("RGB"))
        templates = detection.encode(image, [engine.Box(*f.box) for f in faces])
        for face, template in zip(faces, templates, strict=True):
            if template is None:
                continue
            distance = min(engine.distance(template, q) for q in queries)
            if distance <= threshold:
                found.append((face.id, distance))
        del templates
    return found, encoded


def _fingerprint(queries: list[NDArray[np.float32]]) -> str:
    digest = hashlib.sha256()
    for query in queries:
        digest.update(np.asarray(query, dtype="<f4").tobytes())
    return digest.hexdigest()


def _candidates_query(request_id: int) -> Select[tuple[Match, Face, Asset]]:
    return (select(Match, Face, Asset).join(Face, Face.id == Match.face_id)
            .join(Asset, Asset.id == Face.asset_id)
            .where(Match.request_id == request_id).order_by(Match.distance, Match.id))


def candidates(request_id: int) -> list[tuple[Match, Face, Asset]]:
    """Every candidate of the request, nearest first."""
    rows = db.session.execute(_candidates_query(request_id)).all()
    return [(m, f, a) for m, f, a in rows]


def count_candidates(request_id: int) -> int:
    return int(db.session.scalar(
        select(func.count(Match.id)).where(Match.request_id == request_id)) or 0)


def candidates_page(request_id: int, page: int,
                    per_page: int) -> list[tuple[Match, Face, Asset]]:
    """One page (from 1) of the candidates, nearest first: the case page pages through
    them all, however many the search found."""
    rows = db.session.execute(_candidates_query(request_id)
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [(m, f, a) for m, f, a in rows]


def confirmed(request_id: int) -> list[tuple[Match, Face, Asset]]:
    rows = db.session.execute(_candidates_query(request_id).where(
        Match.decision == MatchDecision.CONFIRMED)).all()
    return [(m, f, a) for m, f, a in rows]


def request_of_match(match_id: int) -> int:
    match = db.session.get(Match, match_id)
    if match is None:
        raise NotFound(_("No such match."))
    return match.request_id


@use_case
def decide(match_id: int, decision: str, *, actor: Actor,
           erasure_choice: str | None = None) -> Match:
    match = db.session.get(Match, match_id)
    if match is None:
        raise NotFound(_("No such match."))
    if decision not in {d.value for d in MatchDecision}:
        raise InvalidInput(_("Confirm or reject."))
    request = casework.get(match.request_id)
    if request.status not in casework.OPEN_STATES:
        raise InvalidInput(_("This request is closed."))
    if casework.carried_out(request.id):
        # What was done on the confirmed photos (blurred originals, notices) stays done.
        raise InvalidInput(_("The request has been carried out; its decisions can no "
                             "longer change."))
    match.decision = MatchDecision(decision)
    if decision == MatchDecision.PENDING:  # undo: back to undecided
        match.decided_by_id = None
        match.decided_at = None
        match.erasure_choice = None
    else:
        match.decided_by_id = actor.staff_id
        match.decided_at = utcnow()
    if erasure_choice in {"blur", "delete"} and decision == MatchDecision.CONFIRMED:
        match.erasure_choice = erasure_choice
    audit.record(f"request.match_{decision}", actor=actor,
                 subject=f"request:{match.request_id}", details={"face": match.face_id})
    return match


@use_case
def link_person(request_id: int, person_id: int | None, *, actor: Actor) -> None:
    request = casework.get(request_id)
    if person_id is not None:
        people.get(person_id)  # an unknown person is a clear 404, not a broken link
    request.person_id = person_id
    audit.record("request.person_linked", actor=actor, subject=f"request:{request.id}",
                 details={"person": f"person:{person_id}" if person_id else None})


def _queries(request: SubjectRequest) -> list[NDArray[np.float32]]:
    queries = _query_templates(request)
    if queries:
        audit.record("face.template_read", actor=SYSTEM, subject=f"request:{request.id}",
                     details={"purpose": "request search", "count": len(queries)})
    return queries


def _query_templates(request: SubjectRequest) -> list[NDArray[np.float32]]:
    ring = keyring()
    queries = []
    sealed = request.selfie_template_ciphertext
    if sealed is not None:
        version = int.from_bytes(sealed[:2], "big")
        queries.append(ring.decrypt_bound(sealed[2:], version, _selfie_aad(request.id)))
    if request.person_id is not None:
        faces = db.session.scalars(select(Face).where(
            Face.person_id == request.person_id, Face.template_ciphertext.is_not(None)))
        queries.extend(ring.decrypt_face(f) for f in faces)
    return queries


def _tagged_faces_as_matches(request: SubjectRequest) -> None:
    """Faces already tagged to the linked person are candidates too (distance 0)."""
    if request.person_id is None:
        return
    face_ids = db.session.scalars(select(Face.id).where(Face.person_id == request.person_id))
    _upsert(request, [(face_id, 0.0) for face_id in face_ids])


def _upsert(request: SubjectRequest, found: list[tuple[int, float]]) -> None:
    existing = {m.face_id: m for m in db.session.scalars(
        select(Match).where(Match.request_id == request.id))}
    for face_id, distance in found:
        match = existing.get(face_id)
        if match is None:
            match = Match(request_id=request.id, face_id=face_id, distance=distance)
            db.session.add(match)
            existing[face_id] = match
        else:
            match.distance = min(match.distance, distance)
    db.session.flush()

