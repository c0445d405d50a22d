"""The facts a permission decision needs, for a batch of assets, in three queries.

Assets (restricted, indexed, on legal hold), faces with their people (erased, suppressed,
an open erasure request, on hold) and every quitclaim naming the assets with the channels
asked: set-based, built once per database kind, run as Core on the session's connection.
`likeness.integrations.permissions` turns them into decisions and reasons.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    exists,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql

from likeness.extensions import db
from likeness.models import (
    OPEN_REQUEST_STATES,
    Asset,
    AssetStatus,
    ExternalAsset,
    Face,
    LegalHold,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    RequestType,
    SubjectRequest,
)

INDEXED = AssetStatus.INDEXED



@dataclass(slots=True)
class FaceBox:
    """Where the face is, in pixels (dlib's order). Its fields are the API's `box`: the
    permission answer is written from this object as it is (see api/views.py)."""

    top: int
    right: int
    bottom: int
    left: int


@dataclass
class QuitclaimFacts:
    id: int
    status: str
    valid_from: date
    valid_until: date
    channels: dict[str, bool] = field(default_factory=dict)  # channel -> withdrawn


@dataclass
class Facts:
    """What the reasons need, for a batch of assets (three queries)."""

    found: list[int] = field(default_factory=list)  # the assets that exist
    restricted: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    indexed: set[int] = field(default_factory=set)
    faces: dict[int, list[tuple[int, FaceBox, int | None]]] = field(
        default_factory=lambda: defaultdict(list))
    blurred: set[int] = field(default_factory=set)
    suppressed: set[int] = field(default_factory=set)  # red everywhere (the library's rule)
    erased: set[int] = field(default_factory=set)  # suppressed, or erased
    erasure_pending: set[int] = field(default_factory=set)
    # (person, asset) -> the person's quitclaims naming the asset
    quitclaims: dict[tuple[int, int], list[QuitclaimFacts]] = field(
        default_factory=lambda: defaultdict(list))


@functools.cache
def queries(dialect: str, registered: bool = False
             ) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """The three queries, built once per database kind and way of naming the assets
    (building a statement cost more than running it for a single check). Lists are bound
    as one array on PostgreSQL (`= ANY(:ids)`: a thousand ids are one parameter, not a
    thousand to parse) and as expanding lists elsewhere."""

    def wanted(column: Any) -> ColumnElement[bool]:
        """The assets asked for: by our ids, or (`registered`) the one asset an image
        bank's id names (unique per integration, so at most one row)."""
        if registered:
            return cast(ColumnElement[bool], column == select(ExternalAsset.asset_id).where(
                ExternalAsset.integration_id == bindparam("integration"),
                ExternalAsset.external_id == bindparam("external_id")).scalar_subquery())
        return among(column, "ids", Integer)

    def among(column: Any, name: str, item: Any) -> ColumnElement[bool]:
        if dialect == "postgresql":
            return cast(ColumnElement[bool],
                        column == any_(bindparam(name, type_=postgresql.ARRAY(item))))
        return cast(ColumnElement[bool], column.in_(bindparam(name, expanding=True)))

    hold = LegalHold.released_at.is_(None)
    # Plain values, not converted per row (to an enum, to UTC), where a test suffices.
    assets = (
        select(Asset.id, Asset.is_restricted, Asset.status == INDEXED,
               # Legal holds are few: tested per asset (on it, or on its collection).
               exists(select(LegalHold.id).where(hold, or_(
                   LegalHold.asset_id == Asset.id,
                   and_(LegalHold.collection.is_not(None),
                        LegalHold.collection == Asset.collection)))))
        .where(wanted(Asset.id)))
    # Per person, joined once (hash joins on a large batch): open erasure requests and
    # holds on the person.
    pending = (select(SubjectRequest.person_id).where(
        SubjectRequest.type == RequestType.ERASURE,
        SubjectRequest.status.in_(OPEN_REQUEST_STATES), SubjectRequest.person_id.is_not(None))
        .distinct().subquery())
    person_held = (select(LegalHold.person_id).where(hold, LegalHold.person_id.is_not(None))
                   .distinct().subquery())
    faces = (
        select(Face.id, Face.asset_id, Face.top, Face.right, Face.bottom, Face.left,
               Face.person_id, Face.is_always_blurred, Person.is_suppressed,
               Person.erased_at.is_not(None), pending.c.person_id, person_held.c.person_id)
        .outerjoin(Person, Person.id == Face.person_id)
        .outerjoin(pending, pending.c.person_id == Face.person_id)
        .outerjoin(person_held, person_held.c.person_id == Face.person_id)
        .where(wanted(Face.asset_id), Face.is_not_a_face.is_(False))
        .order_by(Face.asset_id, Face.left))
    # Every quitclaim naming these assets, whatever its state (reasons explain dead ones),
    # with its asked channels (none: `channel_not_covered`). Not filtered by person: the
    # generic plan PostgreSQL keeps after a few single checks then tested each row against
    # the whole id list (seconds for 1,000); quitclaims of untagged people go unread.
    quitclaims = (
        select(Quitclaim.id, Quitclaim.person_id, QuitclaimAsset.asset_id,
               type_coerce(Quitclaim.status, String), Quitclaim.valid_from,
               Quitclaim.valid_until, type_coerce(QuitclaimChannel.channel, String),
               QuitclaimChannel.withdrawn_at.is_not(None))
        .select_from(QuitclaimAsset)
        .join(Quitclaim, Quitclaim.id == QuitclaimAsset.quitclaim_id)
        .outerjoin(QuitclaimChannel, and_(
            QuitclaimChannel.quitclaim_id == Quitclaim.id,
            among(QuitclaimChannel.channel, "channels", String)))
        .where(wanted(QuitclaimAsset.asset_id))
        .order_by(Quitclaim.id))
    return assets, faces, quitclaims


def read(asset_ids: list[int], channels: list[str], *,
           registered: tuple[int, str] | None = None) -> Facts:
    """The facts of `asset_ids`, or of the asset `registered` (integration, external id)."""
    facts = Facts()
    if not asset_ids and registered is None:
        return facts
    # Core execution on the session's connection: plain rows, no ORM machinery.
    connection = db.session.connection()
    assets, faces, quitclaims = queries(connection.dialect.name, registered is not None)
    params: dict[str, Any] = ({"ids": asset_ids} if registered is None else
                              {"integration": registered[0], "external_id": registered[1]})
    for asset_id, restricted, indexed, is_held in connection.execute(assets, params).all():
        facts.found.append(asset_id)
        if restricted:
            facts.restricted.add(asset_id)
        if is_held:
            facts.held.add(asset_id)
        if indexed:
            facts.indexed.add(asset_id)
    if not facts.found:
        return facts
    person_ids = _read_faces(facts, connection.execute(faces, params).all())
    if person_ids:
        _read_quitclaims(facts, connection.execute(
            quitclaims, {**params, "channels": channels}).all())
    return facts


def _read_faces(facts: Facts, rows: Any) -> set[int]:
    """Each face with its box and person, and what blocks the person; returns the people."""
    person_ids: set[int] = set()
    for (face_id, asset_id, top, right, bottom, left, person_id, blurred, suppressed,
         erased, erasure, on_hold) in rows:
        facts.faces[asset_id].append((face_id, FaceBox(top, right, bottom, left), person_id))
        if blurred:
            facts.blurred.add(face_id)
        if on_hold is not None:
            facts.held.add(asset_id)
        if person_id is None:
            continue
        person_ids.add(person_id)
        if suppressed:
            facts.suppressed.add(person_id)
        if suppressed or erased:
            facts.erased.add(person_id)
        if erasure is not None:
            facts.erasure_pending.add(person_id)
    return person_ids


def _read_quitclaims(facts: Facts, rows: Any) -> None:
    """The quitclaims per (person, asset), each with the channels asked and withdrawn."""
    grouped: dict[tuple[int, int], QuitclaimFacts] = {}
    for qc_id, pid, asset_id, qc_status, valid_from, valid_until, channel, withdrawn in rows:
        entry = grouped.get((qc_id, asset_id))
        if entry is None:
            entry = grouped[(qc_id, asset_id)] = QuitclaimFacts(qc_id, qc_status, valid_from,
                                                            valid_until)
            facts.quitclaims[(pid, asset_id)].append(entry)
        if channel is not None:
            entry.channels[channel] = bool(withdrawn)
