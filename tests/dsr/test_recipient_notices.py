"""Art. 19 notices say what happened: a correction is not a request to stop, a restriction
is a pause, and only a recipient who had a link is told it was switched off."""

from __future__ import annotations

from typing import Any

from flask import Flask

from likeness.library import disclosures, sharing
from likeness.models import TakedownReason
from likeness.platform.uow import use_case
from tests.cockpit import factories
from tests.support.helpers import run_jobs


def _notice(db: Any, mailbox: Any, officer: Any, reason: TakedownReason, *,
            with_link: bool = False) -> tuple[str, str]:
    photo = factories.asset(db)
    address = f"{reason.value}-{int(with_link)}@recipient.example"
    if with_link:
        link, _token = sharing.create([photo.id], channel="website", recipient_name="Desk",
                                      recipient_email=address, actor=officer)
    else:
        row = factories.disclosure(db, photo, recipient="Desk", kind="download")
        row.recipient_email = address
    db.session.commit()
    use_case(disclosures.take_down)([photo.id], ["website"], reason=reason, actor=officer)
    run_jobs()
    (message,) = mailbox.to(address)
    return message["Subject"], message.get_payload(decode=True).decode()


def test_each_notice_is_worded_for_what_happened(
    app: Flask, db: Any, make_staff: Any, mailbox: Any
):
    officer = make_staff("privacy_officer")
    subject, body = _notice(db, mailbox, officer, TakedownReason.RECTIFICATION)
    assert "correctie" in subject.lower() and "gecorrigeerd" in body
    assert "stop" not in body.lower() and "link" not in body.lower()

    subject, body = _notice(db, mailbox, officer, TakedownReason.RESTRICTION)
    assert "voorlopig" in subject.lower() and "artikel 18 avg" in body.lower()
    assert "hoeft hem niet te verwijderen" in body
    assert "link" not in body.lower()  # a download: no link was ever sent

    subject, body = _notice(db, mailbox, officer, TakedownReason.ERASURE, with_link=True)
    assert "uitgeschakeld" in body  # they had a link: it is off now
