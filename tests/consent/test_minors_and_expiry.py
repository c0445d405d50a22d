"""Guardians for under-16s, and the daily expiry job with time moved forward."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import time_machine
from dateutil.relativedelta import relativedelta
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from likeness.library import consent_status
from likeness.models import Quitclaim, QuitclaimEvent, QuitclaimInvitation
from likeness.platform import daily
from likeness.platform.clock import AMSTERDAM
from likeness.platform.storage import instance_dir
from tests.support.helpers import run_jobs
from tests.support.scenarios import drawn_signature, invite_and_open, sign


def test_under_16_without_guardian_is_refused_and_with_guardian_succeeds(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    person = tagged_barack.person
    person.date_of_birth = date.today() - relativedelta(years=15)
    person.guardian_email = "michelle@example.org"
    db.session.commit()
    path = invite_and_open(client, mailbox, tagged_barack, librarian,
                           recipient="michelle@example.org")
    refused = sign(client, path, channels=["website"])
    assert refused.status_code == 400
    assert "a parent or guardian must sign too" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Quitclaim)) == 0

    accepted = sign(client, path, channels=["website"], guardian_name="Michelle Obama",
                    guardian_signature=drawn_signature(seed=9))
    assert accepted.status_code == 302
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    assert quitclaim.guardian_name == "Michelle Obama"
    assert quitclaim.guardian_signature_png
    text = PdfReader(io.BytesIO((instance_dir() / quitclaim.pdf_path).read_bytes())).pages[0]
    assert "Michelle Obama" in text.extract_text()


def test_unknown_age_asks_for_the_birth_date(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    tagged_barack.person.date_of_birth = None
    db.session.commit()
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert "Your date of birth" in client.get(path).get_data(as_text=True)
    missing = sign(client, path, channels=["website"])
    assert "Enter your date of birth" in missing.get_data(as_text=True)
    child = (date.today() - relativedelta(years=10)).isoformat()
    assert sign(client, path, channels=["website"], date_of_birth=child).status_code == 400
    assert sign(client, path, channels=["website"], date_of_birth="1961-08-04").status_code == 302


def _count(db: Any, kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(QuitclaimEvent)
                             .where(QuitclaimEvent.kind == kind))


def _run_daily_as_a_worker_would() -> None:
    daily.schedule_if_due()
    run_jobs()


def test_daily_job_and_catch_up_warn_once_and_expire_once(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
    librarian: Any, make_staff: Any,
):
    dpo = make_staff("privacy_officer")
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    until = quitclaim.valid_until

    # 20 days before the end: staff are warned and the person invited to renew, once.
    mailbox.messages.clear()
    noon = datetime.combine(until - timedelta(days=20), datetime.min.time().replace(hour=12),
                            tzinfo=AMSTERDAM)
    with time_machine.travel(noon, tick=False):
        _run_daily_as_a_worker_would()
        _run_daily_as_a_worker_would()  # a second worker, or a restart the same day
        lights = next(iter(consent_status.for_asset(tagged_barack.obama_asset).faces.values()))
        assert lights["website"] == "amber"
    assert len([m for m in mailbox.to(dpo.email) if "expires on" in m["Subject"]]) == 1
    renewals = [m for m in mailbox.to("barack@example.org") if "renew" in m["Subject"]]
    assert len(renewals) == 1
    assert db.session.scalar(select(func.count()).select_from(QuitclaimInvitation)) == 2

    # Past the end: expired exactly once, by the daily job ...
    mailbox.messages.clear()
    with time_machine.travel(noon + timedelta(days=21), tick=False):
        _run_daily_as_a_worker_would()
        db.session.refresh(quitclaim)
        assert quitclaim.status == "expired"
        lights = next(iter(consent_status.for_asset(tagged_barack.obama_asset).faces.values()))
        assert lights["website"] == "red"
    # ... and a worker that was down for days catches up without doing it again.
    with time_machine.travel(noon + timedelta(days=25), tick=False):
        _run_daily_as_a_worker_would()
    assert _count(db, "expired") == 1
    assert _count(db, "renewal_invited") == 1
    assert len([m for m in mailbox.to(dpo.email) if "Consent ended" in m["Subject"]]) == 1


def test_worker_down_on_the_day_catches_up_the_expiry(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any, librarian: Any
):
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    sign(client, path, channels=["website"])
    run_jobs()
    quitclaim = db.session.scalars(select(Quitclaim)).one()
    # No daily run happened at all until long after the end: the first one does it all.
    later = datetime.combine(quitclaim.valid_until + timedelta(days=40),
                             datetime.min.time().replace(hour=9), tzinfo=AMSTERDAM)
    with time_machine.travel(later, tick=False):
        _run_daily_as_a_worker_would()
    db.session.refresh(quitclaim)
    assert quitclaim.status == "expired"
    assert _count(db, "expired") == 1
    # Expired before any warning: no renewal invitation for a consent already gone.
    assert _count(db, "renewal_invited") == 0
