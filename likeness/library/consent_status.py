"""Consent status of faces and assets per channel (read-only).

green: a valid quitclaim of the tagged person covers this asset and channel;
amber: the same, but it expires within 30 days (still valid: usable, renew soon);
red:   untagged, no quitclaim, expired, withdrawn, objected, or the asset restricted.
An asset is usable on a channel when its faces are known (it is indexed) and every face
on it is green or amber there, or is blurred in every rendition. Until detection has run
(or when it failed) nobody knows whose faces a photo shows, so it is usable nowhere.

The same rules exist twice, by necessity: in Python for the faces of a few assets
(`for_assets`, the asset page), and as SQL conditions for filtering the whole library
(`usable_on`, `expiring`). Tests check that both agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from likeness.extensions import db
from likeness.models import (
    Asset,
    AssetStatus,
    Channel,
    Face,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    QuitclaimStatus,
)
from likeness.platform.clock import today as amsterdam_today

AMBER_DAYS = 30


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass
class AssetConsent:
    asset_id: int
    # face id -> channel -> light, for every face that counts (not "not a face")
    faces: dict[int, dict[str, Light]] = field(default_factory=dict)
    blurred: set[int] = field(default_factory=set)
    indexed: bool = True  # False: faces not (yet) detected, so none are listed above

    def blockers(self, channel: str) -> list[int]:
        """Faces that stop the asset being used on `channel` (unblurred and red)."""
        return [
            face_id for face_id, lights in self.faces.items()
            if lights[channel] == Light.RED and face_id not in self.blurred
        ]

    def usable(self, channel: str) -> bool:
        return self.indexed and not self.blockers(channel)

    def expiring(self, channel: str) -> bool:
        return any(lights[channel] == Light.AMBER for lights in self.faces.values())


def for_assets(asset_ids: list[int], *, on: date | None = None) -> dict[int, AssetConsent]:
    """Consent of every face on these assets, per channel, on date `on` (Amsterdam today)."""
    on = on or amsterdam_today()
    result = {asset_id: AssetConsent(asset_id) for asset_id in asset_ids}
    if not asset_ids:
        return result
    restricted: set[int] = set()
    for asset_id, is_restricted, asset_status in db.session.execute(
        select(Asset.id, Asset.is_restricted, Asset.status).where(Asset.id.in_(asset_ids))
    ):
        if is_restricted:
            restricted.add(asset_id)
        result[asset_id].indexed = asset_status == AssetStatus.INDEXED
    faces = db.session.execute(
        select(Face.id, Face.asset_id, Face.person_id, Face.is_always_blurred, Person.is_suppressed)
        .outerjoin(Person, Person.id == Face.person_id)
        .where(Face.asset_id.in_(asset_ids), Face.is_not_a_face.is_(False))
    ).all()
    covered = _valid_channels(asset_ids, on)
    channels = [channel.value for channel in Channel]  # once: enum access is slow per face
    amber = timedelta(days=AMBER_DAYS)
    for face_id, asset_id, person_id, blurred, suppressed in faces:
        consent = result[asset_id]
        if blurred:
            consent.blurred.add(face_id)
        lights = {}
        for channel in channels:
            light = Light.RED
            if person_id is not None and not suppressed and asset_id not in restricted:
                until = covered.get((person_id, asset_id, channel))
                if until is not None:
                    light = Light.AMBER if until - on < amber else Light.GREEN
            lights[channel] = light
        consent.faces[face_id] = lights
    return result


def for_asset(asset_id: int) -> AssetConsent:
    return for_assets([asset_id])[asset_id]


def _valid_channels(asset_ids: list[int], on: date) -> dict[tuple[int, int, str], date]:
    """(person, asset, channel) -> the latest `valid_until` of a valid quitclaim."""
    rows = db.session.execute(
        select(Quitclaim.person_id, QuitclaimAsset.asset_id, QuitclaimChannel.channel,
               Quitclaim.valid_until)
        .join(QuitclaimAsset, QuitclaimAsset.quitclaim_id == Quitclaim.id)
        .join(QuitclaimChannel, QuitclaimChannel.quitclaim_id == Quitclaim.id)
        .where(
            QuitclaimAsset.asset_id.in_(asset_ids),
            Quitclaim.status == QuitclaimStatus.SIGNED,
            Quitclaim.valid_from <= on,
            Quitclaim.valid_until >= on,
            QuitclaimChannel.withdrawn_at.is_(None),
        )
    ).all()
    best: dict[tuple[int, int, str], date] = defaultdict(lambda: date.min)
    for person_id, asset_id, channel, until in rows:
        key = (person_id, asset_id, channel)
        best[key] = max(best[key], until)
    return dict(best)


# --- the same rules as SQL conditions on Asset, for filtering the whole library ----------


def _covered(channel: str, on: date, *, lasting_until: date | None = None) -> ColumnElement[bool]:
    """The face (correlated `Face`) has a quitclaim for its asset and `channel` that is
    valid on `on` (and still on `lasting_until`, if given)."""
    return exists(
        select(Quitclaim.id)
        .join(QuitclaimAsset, QuitclaimAsset.quitclaim_id == Quitclaim.id)
        .join(QuitclaimChannel, QuitclaimChannel.quitclaim_id == Quitclaim.id)
        .where(
            Quitclaim.person_id == Face.person_id,
            QuitclaimAsset.asset_id == Face.asset_id,
            QuitclaimChannel.channel == channel,
            QuitclaimChannel.withdrawn_at.is_(None),
            Quitclaim.status == QuitclaimStatus.SIGNED,
            Quitclaim.valid_from <= on,
            Quitclaim.valid_until >= max(on, lasting_until or on),
        )
    )


def _consentable() -> ColumnElement[bool]:
    """The face can be green at all: tagged, not to an erased person, asset not restricted."""
    return and_(
        Face.person_id.is_not(None),
        ~exists(select(Person.id).where(Person.id == Face.person_id,
                                        Person.is_suppressed.is_(True))),
        Asset.is_restricted.is_(False),
    )


def _blocker(channel: str, on: date) -> ColumnElement[bool]:
    """Some face on the asset (correlated `Asset`) is red on `channel` and not blurred."""
    return exists(
        select(Face.id).where(
            Face.asset_id == Asset.id,
            Face.is_not_a_face.is_(False),
            Face.is_always_blurred.is_(False),
            not_(and_(_consentable(), _covered(channel, on))),
        ).correlate(Asset)
    )


def usable_on(channel: str, on: date | None = None) -> ColumnElement[bool]:
    """SQL: the asset may be used on `channel` (as `AssetConsent.usable`)."""
    return and_(Asset.status == AssetStatus.INDEXED,
                ~_blocker(channel, on or amsterdam_today()))


def usable_nowhere(on: date | None = None) -> ColumnElement[bool]:
    """SQL: the asset may be used on no channel at all."""
    on = on or amsterdam_today()
    return or_(Asset.status != AssetStatus.INDEXED,
               and_(*(_blocker(channel.value, on) for channel in Channel)))


def expiring(on: date | None = None) -> ColumnElement[bool]:
    """SQL: some face on the asset is amber on some channel (as `AssetConsent.expiring`)."""
    on = on or amsterdam_today()
    green_from = on + timedelta(days=AMBER_DAYS)
    amber_somewhere = or_(*(
        and_(_covered(channel.value, on), ~_covered(channel.value, on, lasting_until=green_from))
        for channel in Channel
    ))
    return exists(
        select(Face.id).where(
            Face.asset_id == Asset.id, Face.is_not_a_face.is_(False), _consentable(),
            amber_somewhere,
        ).correlate(Asset)
    )
