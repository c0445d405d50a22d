"""The library's filters run over the whole library, in SQL, with a pager."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from likeness.library import catalogue, consent_status
from likeness.models import (
    Asset,
    AssetStatus,
    Channel,
    Face,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    utcnow,
)
from likeness.platform.clock import today


def _asset(db: Any, n: int, *, faces: int = 1) -> Asset:
    asset = Asset(sha256=hashlib.sha256(f"photo-{n}".encode()).hexdigest(),
                  original_filename=f"photo-{n:03d}.jpg", image_format="jpeg", width=800,
                  height=600, byte_size=1000, status=AssetStatus.INDEXED)
    db.session.add(asset)
    db.session.flush()
    for i in range(faces):
        db.session.add(Face(asset_id=asset.id, top=10, right=60 + 100 * i, bottom=60,
                            left=10 + 100 * i))
    db.session.flush()
    return asset


def _consent(db: Any, person: Person, assets: list[Asset], *, until: date,
             channels: list[str] | None = None) -> None:
    quitclaim = Quitclaim(person_id=person.id, text_version="t", language="en",
                          valid_from=today() - timedelta(days=10), valid_until=until,
                          signer_name=person.name, signature_png=b"x", signed_at=utcnow())
    quitclaim.assets = [QuitclaimAsset(asset_id=a.id) for a in assets]
    quitclaim.channels = [QuitclaimChannel(channel=c)
                          for c in (channels or [c.value for c in Channel])]
    db.session.add(quitclaim)
    db.session.flush()


def _library_of_250(db: Any) -> tuple[Asset, list[Asset]]:
    """250 photos of one consenting person; the oldest one also shows a stranger."""
    person = Person(name="Consenting Colleague")
    db.session.add(person)
    db.session.flush()
    oldest = _asset(db, 0, faces=2)
    others = [_asset(db, n) for n in range(1, 250)]
    for asset in [oldest, *others]:
        asset.faces[0].person_id = person.id
    _consent(db, person, [oldest, *others], until=today() + timedelta(days=365))
    db.session.commit()
    return oldest, others


def test_no_consent_filter_finds_a_photo_older_than_the_newest_200(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    oldest, _others = _library_of_250(db)
    logged_in("viewer")
    html = client.get("/admin/library?consent=none").get_data(as_text=True)
    assert "photo-000.jpg" in html
    assert "1 photo" in html
    assert "photo-001.jpg" not in html
    everything = client.get("/admin/library").get_data(as_text=True)
    assert "250 photos" in everything
    assert "Page 1 of 5" in everything
    last = client.get("/admin/library?page=5").get_data(as_text=True)
    assert "photo-000.jpg" in last and "photo-249.jpg" not in last


def test_sql_filters_agree_with_the_consent_lights(app: Flask, db: Any):
    person = Person(name="A")
    erased = Person(name="B", is_suppressed=True)
    db.session.add_all([person, erased])
    db.session.flush()
    green = _asset(db, 1)
    amber = _asset(db, 2)
    website_only = _asset(db, 3)
    untagged = _asset(db, 4)
    restricted = _asset(db, 5)
    blurred = _asset(db, 6)
    suppressed = _asset(db, 7)
    no_faces = _asset(db, 8, faces=0)
    pending = _asset(db, 9, faces=0)  # not indexed yet: no faces known, so none to blur
    pending.status = AssetStatus.PENDING
    failed = _asset(db, 10, faces=0)
    failed.status = AssetStatus.FAILED
    for asset in (green, amber, website_only, restricted, blurred):
        asset.faces[0].person_id = person.id
    suppressed.faces[0].person_id = erased.id
    restricted.is_restricted = True
    blurred.faces[0].is_always_blurred = True
    _consent(db, person, [green, restricted], until=today() + timedelta(days=400))
    _consent(db, person, [amber], until=today() + timedelta(days=5))
    _consent(db, person, [website_only], until=today() + timedelta(days=400),
             channels=["website"])
    _consent(db, erased, [suppressed], until=today() + timedelta(days=400))
    db.session.commit()
    assets = [green, amber, website_only, untagged, restricted, blurred, suppressed, no_faces,
              pending, failed]
    lights = consent_status.for_assets([a.id for a in assets])

    def sql(where: catalogue.LibraryFilter) -> set[int]:
        return {row.asset.id for row in catalogue.list_assets(where, page_size=100).rows}

    for channel in Channel:
        expected = {a.id for a in assets if lights[a.id].usable(channel.value)}
        assert sql(catalogue.LibraryFilter(usable_on=channel.value)) == expected, channel
    nowhere = {a.id for a in assets if not any(lights[a.id].usable(c.value) for c in Channel)}
    assert sql(catalogue.LibraryFilter(consent="none")) == nowhere
    assert nowhere == {untagged.id, restricted.id, suppressed.id, pending.id, failed.id}
    expiring = {a.id for a in assets if any(lights[a.id].expiring(c.value) for c in Channel)}
    assert sql(catalogue.LibraryFilter(consent="expiring")) == expiring == {amber.id}
