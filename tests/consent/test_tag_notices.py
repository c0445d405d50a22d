"""Art. 14 notices: a person tagged by name is told once, within a month; not when an
invitation told them (14(5)(a)); through the guardian under 16; and without an address
only under a recorded 14(5)(b) assessment, which the register shows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from likeness.consent import tag_notices
from likeness.library import collection_settings
from likeness.models import QuitclaimInvitation, utcnow
from likeness.platform import daily
from tests.cockpit import factories
from tests.support.helpers import run_jobs


def _tagged(db: Any, who: Any, *, collection: str = "Gala", photos: int = 1,
            days_ago: int = 10) -> None:
    for _ in range(photos):
        face = factories.asset(db, collection=collection).faces[0]
        factories.tag(db, face, who)
        face.tagged_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def _body(message: Any) -> str:
    return message.get_payload(decode=True).decode()


def test_one_notice_per_person_not_per_tag(app: Flask, db: Any, mailbox: Any):
    jane = factories.person(db, "Jane Doe", "jane@example.org")
    fresh = factories.person(db, "Just Tagged", "fresh@example.org")
    _tagged(db, jane, photos=3)
    _tagged(db, fresh, days_ago=1)  # staff may still invite them: not yet
    daily.run_daily()
    run_jobs()
    (notice,) = mailbox.to("jane@example.org")
    body = _body(notice)
    assert "3 foto's" in body and "artikel 14 avg" in body.lower()
    assert "Autoriteit Persoonsgegevens" in body and "/request" in body
    assert mailbox.to("fresh@example.org") == []
    assert jane.tag_notice == "sent" and jane.tag_notice_at is not None

    _tagged(db, jane, photos=1)  # tagged again: no second notice
    daily.run_daily(str(date.today()))
    run_jobs()
    assert len(mailbox.to("jane@example.org")) == 1


def test_no_notice_when_an_invitation_already_told_them(app: Flask, db: Any, mailbox: Any):
    john = factories.person(db, "John Roe", "john@example.org")
    _tagged(db, john)
    db.session.add(QuitclaimInvitation(person_id=john.id, channels=["website"], asset_ids=[],
                                       expires_at=utcnow() + timedelta(days=30)))
    db.session.commit()
    daily.run_daily()
    run_jobs()
    assert mailbox.to("john@example.org") == []
    assert john.tag_notice == "invited"


def test_a_child_s_notice_goes_to_the_guardian(app: Flask, db: Any, mailbox: Any):
    child = factories.person(db, "Sasha Obama", "sasha@example.org")
    child.date_of_birth = date.today() - timedelta(days=365 * 10)
    child.guardian_name, child.guardian_email = "Michelle Obama", "michelle@example.org"
    _tagged(db, child)
    daily.run_daily()
    run_jobs()
    assert mailbox.to("sasha@example.org") == []
    (notice,) = mailbox.to("michelle@example.org")
    body = _body(notice)
    assert body.startswith("Geachte Michelle Obama,") and "ouder of voogd van Sasha Obama" \
        in body


def test_without_an_address_a_recorded_assessment_applies_and_the_register_shows_it(
    app: Flask, db: Any, mailbox: Any, logged_in: Any, client: FlaskClient
):
    officer = logged_in("privacy_officer")
    nameless = factories.person(db, "Visitor Without Address")
    _tagged(db, nameless, collection="Open day", days_ago=40)
    daily.run_daily()
    assert nameless.tag_notice is None  # neither told nor covered: pending
    (waiting,) = tag_notices.pending()
    assert waiting.person.id == nameless.id and waiting.overdue
    assert waiting.collections_without_assessment == ["Open day"]
    page = client.get("/admin/cockpit/collections").get_data(as_text=True)
    assert "Visitor Without Address" in page and "more than a month" in page

    assessment = ("Hundreds of visitors, recognised by name by colleagues only; finding "
                  "their addresses would mean collecting more data about them.")
    collection_settings.record_notice_exemption("Open day", assessment, actor=officer)
    daily.run_daily(str(date.today()))
    assert nameless.tag_notice == "exempt" and tag_notices.pending() == []
    register = client.get("/admin/cockpit/register").get_data(as_text=True)
    assert "Open day" in register and assessment in register
