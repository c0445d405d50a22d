"""Stored mails hold no live bearer links: sealed until sent, then only a placeholder."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from likeness.models import OutgoingEmail
from likeness.platform import mail_links
from tests.support.helpers import link_in, run_jobs
from tests.support.scenarios import submit_request


def _stored(db: Any, address: str) -> OutgoingEmail:
    db.session.expire_all()
    return db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.recipient == address)
                              .order_by(OutgoingEmail.id.desc())).first()


def _everything_in_the_database(db: Any) -> str:
    """Every column of every stored mail, as someone reading the database sees it."""
    rows = db.session.execute(text("SELECT * FROM outgoing_email")).all()
    return "\n".join(repr(tuple(row)) for row in rows)


def test_a_queued_mail_stores_no_link_and_the_sent_mail_has_it(
    app: Flask, db: Any, client: FlaskClient, mailbox: Any
):
    submit_request(client, email="ada@example.org", details="The gala")
    queued = _stored(db, "ada@example.org")
    assert queued is not None and queued.sent_at is None
    assert "[link 1, not stored]" in queued.body_text
    assert queued.sealed_links  # sealed, not readable from the row
    assert "/request/verify/" not in _everything_in_the_database(db)

    run_jobs()

    message = mailbox.to("ada@example.org")[-1]
    path = link_in(message, "/request/verify/")  # the person gets a working link
    assert client.get(path).status_code == 200
    sent = _stored(db, "ada@example.org")
    assert sent.sent_at is not None and sent.sealed_links is None
    assert "[link 1, not stored]" in sent.body_text
    assert "/request/verify/" not in _everything_in_the_database(db)


def test_sealed_links_do_not_open_with_another_key_or_on_another_mail(app: Flask):
    body, links = mail_links.withhold("Open https://likeness.example/s/abc. Or "
                                      "https://likeness.example/m/def\n")
    assert body == "Open [link 1, not stored]. Or [link 2, not stored]\n"
    sealed = mail_links.seal(links, 7)
    assert mail_links.restore(body, mail_links.unseal(sealed, 7)) == (
        "Open https://likeness.example/s/abc. Or https://likeness.example/m/def\n")
    for email_id, secret in ((8, app.config["SECRET_KEY"]), (7, "another secret key" * 3)):
        app.config["SECRET_KEY"] = secret
        with pytest.raises(mail_links.SealedLinksUnreadable):
            mail_links.unseal(sealed, email_id)


def test_a_dutch_mail_gets_a_dutch_placeholder_and_its_link(
    app: Flask, db: Any, client: FlaskClient, mailbox: Any
):
    submit_request(client, email="daan@example.org", details="Het gala", language="nl")
    stored = _stored(db, "daan@example.org")
    assert "[koppeling 1, niet bewaard]" in stored.body_text

    run_jobs()

    assert link_in(mailbox.to("daan@example.org")[-1], "/request/verify/")


def test_stored_mails_are_kept_30_days_by_default(app: Flask):
    from likeness.cockpit import schedules

    assert schedules.value(schedules.EMAIL_DAYS) == 30
