"""Fees (Art. 12(5)): the fee notice states the remedies and that the request waits for
the payment; nothing is carried out before it; the payment is recorded and the month to
answer counts from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from likeness.dsr import casework, readiness
from likeness.dsr.deadlines import due_date
from likeness.errors import InvalidInput
from tests.support.helpers import csrf_token_from, run_jobs
from tests.support.scenarios import latest_request, submit_request, verify_by_email


def test_a_fee_holds_the_request_until_it_is_paid_and_the_month_runs_from_payment(
    app: Flask, client: FlaskClient, db: Any, mailbox: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    submit_request(client, type_="access", details="The gala last June")
    verify_by_email(client, mailbox)
    subject_request = latest_request(db)
    mailbox.messages.clear()
    casework.mark_unfounded(subject_request.id, "The fifth identical request this month.",
                            fee_cents=2500, actor=officer)
    run_jobs()
    (notice,) = [m for m in mailbox.to("barack@example.org") if "fee" in m["Subject"]]
    body = " ".join(notice.get_payload(decode=True).decode().split())
    assert "starts on the day we receive the fee" in body
    assert "Autoriteit Persoonsgegevens" in body and "six weeks" in body  # remedies
    assert any("fee" in b for b in readiness.carry_out_blockers(subject_request))
    with pytest.raises(InvalidInput, match="fee"):
        readiness.require_carry_out(subject_request)

    # Paid 20 days after the receipt: the month counts from the payment.
    subject_request.received_at -= timedelta(days=20)
    subject_request.due_on = due_date(subject_request.received_at)
    db.session.commit()
    page = client.get(f"/admin/requests/{subject_request.id}").get_data(as_text=True)
    assert "Record the payment" in page
    response = client.post(f"/admin/requests/{subject_request.id}/fee-paid",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    db.session.refresh(subject_request)
    assert subject_request.fee_paid_at is not None
    assert subject_request.due_on == due_date(subject_request.fee_paid_at)
    assert subject_request.due_on > due_date(subject_request.received_at)
    assert not any("fee" in b for b in readiness.carry_out_blockers(subject_request))
    with pytest.raises(InvalidInput, match="No unpaid fee"):
        casework.record_fee_paid(subject_request.id, actor=officer)
