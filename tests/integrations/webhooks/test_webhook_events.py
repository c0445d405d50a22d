"""The events image banks receive, from the changes themselves: consent given, withdrawn,
expiring, expired; restriction; erasure with its take-down; share links revoked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.integrations import expiring, takedowns
from likeness.models import AuditEvent, Quitclaim, TakedownTask
from likeness.platform.actor import CLI
from likeness.platform.clock import today
from likeness.platform.uow import use_case
from tests.integrations.webhooks.conftest import deliver_due
from tests.support.scenarios import invite_and_open, sign


def signed_quitclaim(client: Any, mailbox: Any, scenario: Any, librarian: Any, db: Any
                     ) -> Quitclaim:
    path = invite_and_open(client, mailbox, scenario, librarian, channels=["website", "print"])
    assert sign(client, path, channels=["website", "print"]).status_code == 302
    return db.session.scalars(select(Quitclaim)).one()


def test_withdrawal_reaches_the_receiver_as_consent_and_permission_events(
        client, db, mailbox, librarian, registered, endpoint, receiver, bearer):
    quitclaim = signed_quitclaim(client, mailbox, registered, librarian, db)
    deliver_due()
    assert [m["type"] for m in receiver.processed] == ["consent.granted",
                                                       "asset.permissions_changed"]
    withdrawal.withdraw(quitclaim.id, actor=CLI, channel="website")
    deliver_due()
    withdrawn, changed = receiver.processed[2:]
    assert withdrawn["type"] == "consent.withdrawn"
    assert withdrawn["data"] == {"quitclaim_id": quitclaim.id, "external_ids": ["IMG-1"],
                                 "channels": ["website"],
                                 "person_ref": f"person:{registered.person.id}",
                                 "valid_until": quitclaim.valid_until.isoformat()}
    assert changed["type"] == "asset.permissions_changed"
    assert changed["data"]["reason"] == "withdrawn" and changed["data"]["channels"] == ["website"]
    assert "Barack" not in str(receiver.processed)  # thin: no names
    # The poll feed carries the same events.
    feed = client.get("/api/v1/events", headers=bearer).get_json()["events"]
    assert [e["type"] for e in feed] == [m["type"] for m in receiver.processed]
    answer = client.get("/api/v1/assets/IMG-1/permissions?channel=website",
                        headers=bearer).get_json()
    assert answer["decision"] == "denied"


# The daily run calls its tasks inside its unit of work.
announce = use_case(expiring.announce_expiring)


def test_consent_expiring_is_sent_once_n_days_ahead(app, client, db, mailbox, librarian,
                                                    registered, endpoint, receiver):
    quitclaim = signed_quitclaim(client, mailbox, registered, librarian, db)
    deliver_due()
    days = app.config["CONSENT_EXPIRING_DAYS"]
    quitclaim.valid_until = today() + timedelta(days=days + 1)
    db.session.commit()
    assert announce(today()) == {"expiring_events": 0}
    quitclaim.valid_until = today() + timedelta(days=days)
    db.session.commit()
    assert announce(today()) == {"expiring_events": 1}
    assert announce(today()) == {"expiring_events": 0}  # once
    deliver_due()
    (message,) = [m for m in receiver.processed if m["type"] == "consent.expiring"]
    assert message["data"]["valid_until"] == quitclaim.valid_until.isoformat()
    assert message["data"]["external_ids"] == ["IMG-1"]


@use_case
def _erase(person_id: int, asset_ids: list[int]) -> list[TakedownTask]:
    return takedowns.open_for_erasure(None, person_id, asset_ids, actor=CLI)


def test_an_erasure_sends_the_ids_to_take_down_and_the_image_bank_closes_the_task(
        client, db, registered, endpoint, receiver, bearer):
    (task,) = _erase(registered.person.id, [registered.obama_asset])
    deliver_due()
    (message,) = receiver.processed
    assert message["type"] == "subject.erased"
    assert message["data"]["external_ids"] == ["IMG-1"]
    assert message["data"]["takedown_id"] == task.id
    done = client.post(f"/api/v1/takedowns/{task.id}/done", headers=bearer)
    assert done.status_code == 200
    assert done.get_json()["external_ids"] == ["IMG-1"] and done.get_json()["done_at"]
    db.session.refresh(task)
    assert task.done_at is not None
    assert client.post(f"/api/v1/takedowns/{task.id}/done",
                       headers=bearer).status_code == 200  # idempotent
    assert client.post("/api/v1/takedowns/999999/done", headers=bearer).status_code == 404
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "disclosure.takedown_done")) is not None


def test_closing_a_take_down_needs_the_scope_and_the_own_integration(
        client, db, registered, make_other_key, bearer):
    (task,) = _erase(registered.person.id, [registered.obama_asset])
    read_only = make_other_key(["assets:read"], same_integration=True)
    assert client.post(f"/api/v1/takedowns/{task.id}/done", headers=read_only
                       ).status_code == 403
    other = make_other_key(["assets:write"], same_integration=False)
    assert client.post(f"/api/v1/takedowns/{task.id}/done", headers=other).status_code == 404
    db.session.refresh(task)
    assert task.done_at is None


def test_restriction_is_sent(db, registered, endpoint, receiver):
    from likeness.integrations import events

    @use_case
    def restrict() -> None:
        events.subject_changed("subject.restricted", person_id=registered.person.id,
                               asset_ids=[registered.obama_asset], reason="objection")

    restrict()
    deliver_due()
    assert [m["type"] for m in receiver.processed] == ["subject.restricted",
                                                       "asset.permissions_changed"]
    assert receiver.processed[0]["data"]["reason"] == "objection"


def test_a_share_link_revoked_by_a_withdrawal_is_sent(client, db, mailbox, librarian,
                                                      registered, endpoint, receiver):
    from likeness.library import sharing

    quitclaim = signed_quitclaim(client, mailbox, registered, librarian, db)
    sharing.create([registered.obama_asset], channel="website", recipient_name="Daily News",
                   recipient_email="desk@news.example", actor=librarian)
    withdrawal.withdraw(quitclaim.id, actor=CLI)
    deliver_due()
    (revoked,) = [m for m in receiver.processed if m["type"] == "share.revoked"]
    assert revoked["data"]["external_ids"] == ["IMG-1"]
    assert revoked["data"]["channels"] == ["website"]
    assert "desk@news.example" not in str(revoked) and "Daily News" not in str(revoked)
