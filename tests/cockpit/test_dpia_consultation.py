"""The DPIA's prior consultation of the AP (Art. 36) and the EU AI Act deployer duties:
no "go" while a high residual risk waits for the AP, the next step on the page, audited."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from likeness.cockpit import dpia
from likeness.errors import InvalidInput
from likeness.library import policy_settings
from likeness.models import AuditEvent, DpiaVersion
from likeness.platform.clock import today
from tests.support.helpers import csrf_token_from

HIGH = dpia.Risk("Profiling of bystanders", "high", "high", "Scope", "high")
LOW = dpia.Risk("A wrong match", "low", "high", "Every match confirmed", "low")


def _save(actor: Any, **fields: Any) -> DpiaVersion:
    return dpia.save(description="Faces in the image bank", necessity="needed",
                     dpo_advice="Consult the AP", conclusion="Go", actor=actor,
                     **{"risks": [HIGH], "positive": True, **fields})


def test_a_high_residual_risk_blocks_go_until_the_consultation_is_done(
    app: Flask, db: Any, make_staff: Any
):
    officer = make_staff("privacy_officer")
    day = today()
    with pytest.raises(InvalidInput, match="submitted and its reference"):
        _save(officer)
    waiting = dpia.PriorConsultation(submitted_on=day - timedelta(weeks=3), reference="z1")
    with pytest.raises(InvalidInput, match="has not advised yet"):
        _save(officer, consultation=waiting)
    extended = dpia.PriorConsultation(submitted_on=day - timedelta(weeks=9), reference="z1",
                                      period_extended=True)
    with pytest.raises(InvalidInput, match="has not advised yet"):
        _save(officer, consultation=extended)
    against = dpia.PriorConsultation(submitted_on=day - timedelta(weeks=3), reference="z1",
                                     advice_on=day, outcome="advised_against", advice="No")
    with pytest.raises(InvalidInput, match="advised against"):
        _save(officer, consultation=against)
    half = dpia.PriorConsultation(submitted_on=day - timedelta(weeks=3), reference="z1",
                                  outcome="conditions")
    with pytest.raises(InvalidInput, match="advice whole"):
        _save(officer, consultation=half)
    future = dpia.PriorConsultation(submitted_on=day + timedelta(days=1), reference="z1")
    with pytest.raises(InvalidInput, match="future"):
        _save(officer, consultation=future, positive=None)

    # Not "go": the version is saved, and the next step says what to do.
    pending = _save(officer, consultation=waiting, positive=None)
    assert pending.prior_consultation(day) == "awaiting"
    assert "Waiting for the AP's written advice" in (dpia.next_step(pending) or "")
    with pytest.raises(InvalidInput, match="does not conclude"):
        policy_settings.set_template_policy("all", actor=make_staff("admin"),
                                            legal_basis="Art. 9(2)(g)",
                                            dpia_version_id=pending.id)

    passed = _save(officer, consultation=dpia.PriorConsultation(
        submitted_on=day - timedelta(weeks=8), reference="z1"))
    assert passed.prior_consultation(day) == "period_passed" and passed.may_go_ahead(day)
    advised = _save(officer, consultation=dpia.PriorConsultation(
        submitted_on=day - timedelta(weeks=3), reference="z1", advice_on=day,
        outcome="conditions", advice="Only with a 30-day retention"))
    assert advised.prior_consultation(day) == "advised" and advised.ap_outcome == "conditions"
    assert _save(officer, risks=[LOW]).prior_consultation(day) == "not_needed"
    details = [e.details for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "dpia.saved").order_by(AuditEvent.id))]
    assert [d["prior_consultation"] for d in details] == [
        "awaiting", "period_passed", "advised", "not_needed"]


def _form(client: FlaskClient, **fields: str) -> dict[str, str]:
    token = csrf_token_from(client.get("/admin/cockpit/dpia").get_data(as_text=True))
    return {"csrf_token": token, "description": "Faces", "necessity": "Needed",
            "dpo_advice": "Consult the AP", "conclusion": "Go", "outcome": "positive",
            "risks-0-risk": HIGH.risk, "risks-0-likelihood": "high",
            "risks-0-severity": "high", "risks-0-measures": "Scope",
            "risks-0-residual": "high", **fields}


def test_the_dpia_page_asks_for_the_consultation_and_records_it_with_the_ai_act_duties(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("privacy_officer")
    refused = client.post("/admin/cockpit/dpia", data=_form(client))
    page = " ".join(refused.get_data(as_text=True).split())
    assert refused.status_code == 400
    assert 'class="error-summary"' in page and "must be consulted first (Art. 36)" in page
    assert db.session.scalar(select(DpiaVersion.id)) is None

    submitted = today() - timedelta(weeks=10)
    saved = client.post("/admin/cockpit/dpia", data=_form(
        client, ap_submitted_on=submitted.isoformat(), ap_reference="AP z2026-0042",
        ai_human_oversight="y", ai_log_retention="y"))
    assert saved.status_code == 302
    version = db.session.scalars(select(DpiaVersion)).one()
    assert version.ai_act_human_oversight and version.ai_act_log_retention
    assert not version.ai_act_fria
    shown = " ".join(client.get(saved.headers["Location"]).get_data(as_text=True).split())
    assert "AP z2026-0042" in shown and "ended on" in shown and "without advice" in shown
    assert "post remote biometric identification" in shown
    assert "Human oversight (Art. 14 and 26(2)): in place" in shown
    assert "Fundamental rights impact assessment (Art. 27): not made (required only" in shown
    for language, expected in (("en", "The AP's period ends"),
                               ("nl", "De termijn van de AP eindigt")):
        pdf = client.get(f"/admin/cockpit/dpia/{version.id}.pdf?lang={language}")
        text = " ".join(" ".join(page.extract_text().split())
                        for page in PdfReader(io.BytesIO(pdf.data)).pages)
        assert "AP z2026-0042" in text and expected in text, language
    # The form starts from the last version: the consultation and duties come back.
    again = client.get("/admin/cockpit/dpia").get_data(as_text=True)
    assert 'value="AP z2026-0042"' in again and "may go ahead (Art. 36(2))" in again


def test_the_next_step_says_to_submit_the_consultation(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    officer = logged_in("privacy_officer")
    _save(officer, positive=False)
    db.session.commit()
    page = " ".join(client.get("/admin/cockpit/dpia").get_data(as_text=True).split())
    assert "what to do next" in page
    assert "submit a prior consultation to the Autoriteit Persoonsgegevens" in page
