"""Rows for cockpit tests, made directly (no face engine where none is needed)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from likeness.models import (
    Asset,
    AssetStatus,
    Disclosure,
    DisclosureFace,
    Face,
    Person,
    Quitclaim,
    QuitclaimAsset,
    QuitclaimChannel,
    utcnow,
)


def asset(db: Any, collection: str | None = None, faces: int = 1) -> Asset:
    row = Asset(sha256=secrets.token_hex(32), original_filename="x.jpg", image_format="JPEG",
                width=800, height=600, byte_size=1000, collection=collection,
                status=AssetStatus.INDEXED)
    db.session.add(row)
    db.session.flush()
    for n in range(faces):
        db.session.add(Face(asset_id=row.id, top=10, right=60 + 100 * n, bottom=60,
                            left=10 + 100 * n))
    db.session.flush()
    return row


def person(db: Any, name: str, email: str | None = None) -> Person:
    row = Person(name=name, email=email)
    db.session.add(row)
    db.session.flush()
    return row


def tag(db: Any, face: Face, who: Person) -> None:
    face.person_id = who.id
    face.tag_source = "manual"
    face.tagged_at = utcnow()
    db.session.flush()


def quitclaim(db: Any, who: Person, assets: list[Asset], *, valid_until: date,
              status: str = "signed", withdrawn_at: datetime | None = None,
              pdf_path: str | None = None, channels: tuple[str, ...] = ("website",)
              ) -> Quitclaim:
    row = Quitclaim(person_id=who.id, text_version="v1", language="en", status=status,
                    valid_from=date(2020, 1, 1), valid_until=valid_until,
                    signer_name=who.name, withdrawn_at=withdrawn_at, pdf_path=pdf_path)
    db.session.add(row)
    db.session.flush()
    db.session.add_all(QuitclaimAsset(quitclaim_id=row.id, asset_id=a.id) for a in assets)
    db.session.add_all(QuitclaimChannel(quitclaim_id=row.id, channel=c) for c in channels)
    db.session.flush()
    return row


def disclosure(db: Any, photo: Asset, *, recipient: str, share_link_id: int | None = None,
               kind: str = "share_link", channel: str = "website",
               blurred: set[int] | None = None) -> Disclosure:
    """A register entry with a snapshot of the photo's faces as they are now."""
    row = Disclosure(kind=kind, asset_id=photo.id, asset_sha256=photo.sha256, channel=channel,
                     recipient_name=recipient, share_link_id=share_link_id)
    db.session.add(row)
    db.session.flush()
    for face in photo.faces:
        db.session.add(DisclosureFace(disclosure_id=row.id, face_id=face.id,
                                      person_id=face.person_id, top=face.top, right=face.right,
                                      bottom=face.bottom, left=face.left,
                                      blurred=face.id in (blurred or set())))
    db.session.flush()
    return row
