"""The staff dashboard counts the work with a clock (issue 27, rough spots): requests due
within 7 days and past their deadline, answers waiting, quitclaims ending, faces signers
marked, and open breaches with the hours left on the 72-hour clock, each linked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from likeness.cockpit import breaches
from likeness.dsr import intake
from likeness.models import utcnow
from likeness.platform.clock import AMSTERDAM


def _registered(days_ago: int, officer: Any) -> None:
    intake.register(intake.Registration(
        type="access", name="Jan Jansen", received_via="letter",
        received_at=datetime.now(AMSTERDAM) - timedelta(days=days_ago), details="Mijn foto's.",
        language="nl"), actor=officer)


def test_the_dashboard_counts_what_is_waiting_with_links_and_the_breach_clock(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any, make_staff: Any,
):
    officer = logged_in("privacy_officer")
    _registered(27, officer)  # due in a few days
    _registered(45, officer)  # past its deadline
    _registered(1, officer)  # a month to go: not counted
    breach = breaches.record(discovered_at=utcnow() - timedelta(hours=10),
                             description="A share link was sent to the wrong address.",
                             actor=officer)
    db.session.commit()

    page = client.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/requests">1 request due within 7 days</a>' in page
    assert "1 is past its deadline." in page
    assert "0 answers waiting to be sent" in page
    assert ('<a href="/admin/quitclaims?state=expiring">0 quitclaims ending within 30 days'
            '</a>') in page
    assert '<a href="/admin/tag-proposals">0 faces marked by signers</a>' in page
    assert f'<a href="/admin/cockpit/breaches/{breach.id}">{breach.reference}</a>' in page
    # 72 hours from discovery, 10 of them gone (61 or 62 whole hours, as the clock runs).
    assert ("61 hours left to notify" in page) or ("62 hours left to notify" in page)


def test_a_viewer_sees_only_what_is_theirs(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any,
):
    logged_in("viewer")
    page = client.get("/admin/").get_data(as_text=True)
    assert "quitclaims ending within 30 days" in page
    assert "due within 7 days" not in page and "72-hour clock" not in page
    assert "marked by signers" not in page
