"""Asking for a *Manage my consent* link: the page stores the normalised address and
looks nothing up, so it answers the same for a known and an unknown address; the job
(with the id of that row) checks the address, emails a link only if it is known, and
forgets the address either way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from likeness.consent import portal
from likeness.extensions import db as _db
from likeness.models import ManageLinkRequest, OutboxJob, Person
from tests.support.helpers import csrf_token_from, run_jobs

# Tables whose contents would tell whether the address is known.
PERSONAL = ("person", "quitclaim", "consent_link", "guardian")


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.lower())

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)


def _ask(client: FlaskClient, email: str) -> tuple[int, str, list[str]]:
    token = csrf_token_from(client.get("/consent").get_data(as_text=True))
    with statements() as seen:
        response = client.post("/consent", data={"email": email, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True), seen


def test_the_page_looks_nothing_up_and_answers_the_same_known_or_not(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any
):
    db.session.add(Person(name="Barack Obama", email="barack@example.org"))
    db.session.commit()

    known = _ask(client, "Barack@Example.org")
    unknown = _ask(client, "nobody@example.org")

    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1] and "If we hold consent for this address" in known[1]
    for _status, _page, seen in (known, unknown):
        reads = [s for s in seen if s.lstrip().startswith("select")]
        assert not [s for s in reads if any(f" {t} " in f"{s} " or f"{t}." in s
                                            for t in PERSONAL)], reads
    # Both addresses are stored, normalised, and the job holds only the row's id.
    rows = db.session.scalars(select(ManageLinkRequest).order_by(ManageLinkRequest.id)).all()
    assert [r.email for r in rows] == ["barack@example.org", "nobody@example.org"]
    queued = db.session.scalars(select(OutboxJob).where(
        OutboxJob.job_name == portal.deliver_manage_link.name).order_by(OutboxJob.id)).all()
    assert [job.args for job in queued] == [[rows[0].id], [rows[1].id]]

    run_jobs()

    assert len(mailbox.to("barack@example.org")) == 1
    assert mailbox.to("nobody@example.org") == []
    # Handled: the typed addresses are gone.
    db.session.expire_all()
    assert db.session.scalars(select(ManageLinkRequest)).all() == []


def test_an_invalid_address_queues_nothing(app: Flask, client: FlaskClient, db: Any):
    portal.send_manage_link("not an address")
    assert db.session.scalars(select(ManageLinkRequest)).all() == []
