"""What the privacy officer records per collection (an event's photos):

* whether its photos reveal health (care settings: patients, clients of a care home) and,
  if so, the Art. 9(2) ground they are processed on. Without a ground nobody may be tagged
  in the collection, a request's scan leaves it out (the answer says so), and a quitclaim
  for its photos asks for explicit consent;
* the Art. 14(5)(b) assessment: why telling the people tagged in it who have no address
  would be impossible or take a disproportionate effort.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import distinct, select

from likeness.errors import InvalidInput
from likeness.extensions import db
from likeness.models import Asset, CollectionSetting, HealthGround, utcnow
from likeness.platform import audit
from likeness.platform.actor import Actor
from likeness.platform.uow import use_case


def get(name: str) -> CollectionSetting | None:
    return db.session.get(CollectionSetting, name)


def listing() -> list[tuple[str, CollectionSetting | None]]:
    """Every collection in the library (and every one with a setting), with its setting."""
    names = {c for c in db.session.scalars(select(distinct(Asset.collection)).where(
        Asset.collection.is_not(None))) if c}
    settings = {s.name: s for s in db.session.scalars(select(CollectionSetting))}
    return [(name, settings.get(name)) for name in sorted(names | set(settings), key=str.lower)]


def register_facts() -> list[dict[str, object]]:
    """The collections with something recorded, as plain JSON for the Art. 30 register."""
    return [{"name": s.name, "reveals_health": s.reveals_health,
             "health_ground": s.health_ground, "health_ground_note": s.health_ground_note,
             "notice_exemption": s.notice_exemption}
            for s in db.session.scalars(select(CollectionSetting).order_by(
                CollectionSetting.name)) if s.reveals_health or s.notice_exemption]


def health_without_ground() -> set[str]:
    """Collections whose photos reveal health while no Art. 9 ground is recorded."""
    return set(db.session.scalars(select(CollectionSetting.name).where(
        CollectionSetting.reveals_health.is_(True), CollectionSetting.health_ground.is_(None))))


def reveals_health(asset_ids: Iterable[int]) -> bool:
    """Whether any of these photos belongs to a collection that reveals health."""
    ids = list(asset_ids)
    if not ids:
        return False
    return db.session.scalar(select(CollectionSetting.name).join(
        Asset, Asset.collection == CollectionSetting.name).where(
        Asset.id.in_(ids), CollectionSetting.reveals_health.is_(True)).limit(1)) is not None


def refuse_tagging(asset: Asset) -> None:
    """Raise when nobody may be tagged on this photo because of its collection."""
    setting = get(asset.collection) if asset.collection else None
    if setting is not None and setting.blocks_tagging:
        raise InvalidInput(_("The photos of collection \u201c%(name)s\u201d reveal health "
                             "(a care setting) and no Article 9 ground is recorded for "
                             "them: nobody may be tagged in it until a privacy officer "
                             "records the ground.", name=asset.collection))


@use_case
def record_health(name: str, *, reveals_health: bool, ground: str | None, note: str = "",
                  actor: Actor) -> CollectionSetting:
    """Record whether the collection reveals health and on which Art. 9(2) ground."""
    setting = _setting(name)
    if ground and ground not in {g.value for g in HealthGround}:
        raise InvalidInput(_("Choose one of the grounds of Article 9(2)."), field="ground")
    if ground and not note.strip():
        raise InvalidInput(_("Explain how the ground applies (for example, the law or the "
                             "consent it rests on)."), field="note")
    setting.reveals_health = reveals_health
    setting.health_ground = (ground or None) if reveals_health else None
    setting.health_ground_note = (note.strip()[:5000] or None) if reveals_health else None
    _touched(setting, actor)
    audit.record("collection.health_recorded", actor=actor,
                 details={"reveals_health": reveals_health, "ground": setting.health_ground})
    return setting


@use_case
def record_notice_exemption(name: str, assessment: str, *, actor: Actor) -> CollectionSetting:
    """Record the Art. 14(5)(b) assessment for the people tagged in this collection whom
    no address reaches (an empty text withdraws it)."""
    setting = _setting(name)
    text = assessment.strip()[:5000]
    if text and len(text) < 40:
        raise InvalidInput(_("Give the assessment in at least a sentence: why informing "
                             "these people is impossible or would take a disproportionate "
                             "effort."), field="assessment")
    setting.notice_exemption = text or None
    setting.notice_exemption_at = utcnow() if text else None
    _touched(setting, actor)
    audit.record("collection.notice_exemption_recorded", actor=actor,
                 details={"recorded": bool(text)})
    return setting


def _setting(name: str) -> CollectionSetting:
    name = name.strip()
    if not name:
        raise InvalidInput(_("Name the collection."))
    exists = db.session.scalar(select(Asset.id).where(Asset.collection == name).limit(1))
    setting = get(name)
    if setting is None:
        if exists is None:
            raise InvalidInput(_("There is no collection with that name."))
        setting = CollectionSetting(name=name)
        db.session.add(setting)
    return setting


def _touched(setting: CollectionSetting, actor: Actor) -> None:
    setting.updated_at = utcnow()
    setting.updated_by_id = actor.staff_id
    db.session.flush()
