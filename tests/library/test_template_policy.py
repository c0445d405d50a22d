"""The lawful default: templates only with consent; `all` only with a recorded legal basis."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from likeness.app import create_app
from likeness.cockpit import dpia
from likeness.config import ConfigError, load_config
from likeness.errors import Forbidden, InvalidInput
from likeness.extensions import db as _db
from likeness.library import policy_settings
from likeness.models import AuditEvent, Face, Setting, TemplatePolicy
from likeness.platform import clock
from tests.conftest import make_config
from tests.support.helpers import csrf_token_from, positive_dpia_version


def test_a_new_installation_runs_consented_only(app: Flask, db: Any, upload: Any):
    result = app.test_cli_runner().invoke(args=["template-policy"])
    assert result.output.strip() == "consented-only"
    upload("two_people.jpg")
    # Nobody consented: two faces found, no biometric template made.
    assert db.session.scalar(select(func.count()).select_from(Face)) == 2
    assert db.session.scalar(select(func.count()).select_from(Face).where(
        Face.template_ciphertext.is_not(None))) == 0


def test_the_environment_alone_cannot_select_all(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FACE_TEMPLATE_POLICY", "all")
    with pytest.raises(ConfigError, match="legal basis"):
        load_config({"ENV_NAME": "testing"})


def test_all_needs_an_admin_a_legal_basis_and_a_dpia_reference(
    app: Flask, db: Any, make_staff: Any
):
    officer, admin = make_staff("privacy_officer"), make_staff("admin")
    with pytest.raises(Forbidden):
        policy_settings.set_template_policy("all", actor=officer, legal_basis="x",
                                            dpia_reference="y")
    with pytest.raises(InvalidInput, match="legal basis"):
        policy_settings.set_template_policy("all", actor=admin, legal_basis="",
                                     dpia_version_id=positive_dpia_version())
    with pytest.raises(InvalidInput, match="saved DPIA version"):
        policy_settings.set_template_policy("all", actor=admin, legal_basis="Art. 9(2)(g)",
                                     dpia_reference="DPIA-2026-04")
    assert policy_settings.template_policy() == TemplatePolicy.CONSENTED_ONLY
    policy_settings.set_template_policy("all", actor=admin, legal_basis="Art. 9(2)(g) and Act X",
                                 dpia_reference="DPIA-2026-04",
                                 dpia_version_id=positive_dpia_version())
    state = policy_settings.policy_state()
    assert state.policy == TemplatePolicy.ALL
    assert (state.legal_basis, state.dpia_reference) == ("Art. 9(2)(g) and Act X", "DPIA-2026-04")
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "setting.template_policy_changed")).one()
    assert event.actor == admin.audit_ref and event.details["dpia_reference"] == "DPIA-2026-04"


def test_the_settings_page_records_and_shows_the_basis(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    logged_in("admin")
    page = client.get("/admin/settings")
    token = csrf_token_from(page.get_data(as_text=True))
    refused = client.post("/admin/settings", data={"csrf_token": token, "policy": "all"})
    assert refused.status_code == 400
    assert "legal basis" in refused.get_data(as_text=True)
    version_id = positive_dpia_version()
    db.session.commit()
    client.post("/admin/settings", data={
        "csrf_token": token, "policy": "all", "legal_basis": "Art. 9(2)(g) and Act X",
        "dpia_reference": "DPIA-2026-04", "dpia_version": str(version_id)})
    html = client.get("/admin/settings").get_data(as_text=True)
    assert "Current policy: Every face: each detected face gets an encrypted template" in html
    assert "Art. 9(2)(g) and Act X" in html and "DPIA-2026-04" in html


def test_an_upgrade_keeps_the_policy_of_a_library_that_holds_photos_and_warns(
    tmp_path: Path, redis_url: str, smtp_server: Any
):
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    old = create_app(make_config(tmp_path / "old", url, redis_url, smtp_server[0]))
    with old.app_context():
        upgrade(revision="9b7e4fca69dc")  # before the lawful default
        _db.session.execute(text(
            "INSERT INTO asset (sha256, original_filename, image_format, width, height, "
            "byte_size, status, is_restricted, created_at) VALUES ('ab', 'x.jpg', 'jpeg', 1, 1, "
            "1, 'indexed', false, '2026-01-01 00:00:00')"))
        _db.session.commit()
        upgrade()
        assert _db.session.get(Setting, "face_template_policy").value == "all"
        state = policy_settings.policy_state()
        assert state.policy == TemplatePolicy.ALL and state.needs_review
        _db.session.remove()
        _db.engine.dispose()


def test_staff_see_the_warning_until_an_admin_confirms(
    app: Flask, client: FlaskClient, db: Any, logged_in: Any
):
    db.session.add(Setting(key=policy_settings.POLICY_NEEDS_REVIEW, value="1"))
    db.session.commit()
    logged_in("admin")
    warning = "The lawful default is now “Only with consent”"
    page = client.get("/admin/settings").get_data(as_text=True)
    assert warning in page
    client.post("/admin/settings/confirm-policy", data={"csrf_token": csrf_token_from(page)})
    assert warning not in client.get("/admin/").get_data(as_text=True)


RISK_LOW = dpia.Risk("A wrong match", "low", "high", "Every match confirmed", "low")
RISK_HIGH = dpia.Risk("Profiling of bystanders", "high", "high", "Scope", "high")


def _assessment(**fields: Any) -> dict[str, Any]:
    return {"description": "Face recognition across the image bank",
            "necessity": "Without it no request can find every photo",
            "dpo_advice": "Proceed with the measures listed", "conclusion": "Acceptable",
            "risks": [RISK_LOW], "positive": True, **fields}


def test_all_needs_a_complete_positive_dpia_version_and_the_ap_where_risk_stays_high(
    app: Flask, db: Any, make_staff: Any
):
    admin = make_staff("admin")
    basis = "Art. 9(2)(g) GDPR with Act X"
    # A version with any of these fields empty cannot be saved at all.
    for empty in ("description", "necessity", "dpo_advice", "conclusion"):
        with pytest.raises(InvalidInput, match="Fill in the description"):
            dpia.save(**_assessment(**{empty: "  "}), actor=admin)
    # A positive conclusion with a high residual risk needs the AP's prior consultation.
    with pytest.raises(InvalidInput, match="Art. 36"):
        dpia.save(**_assessment(risks=[RISK_HIGH]), actor=admin)

    negative = dpia.save(**_assessment(positive=False, conclusion="Not as it stands"),
                         actor=admin)
    with pytest.raises(InvalidInput, match="does not conclude"):
        policy_settings.set_template_policy("all", actor=admin, legal_basis=basis,
                                     dpia_version_id=negative.id)
    undecided = dpia.save(**_assessment(positive=None), actor=admin)
    with pytest.raises(InvalidInput, match="does not conclude"):
        policy_settings.set_template_policy("all", actor=admin, legal_basis=basis,
                                     dpia_version_id=undecided.id)
    assert policy_settings.template_policy() == TemplatePolicy.CONSENTED_ONLY

    # Submitted to the AP and advised (Art. 36(2)): the processing may go ahead.
    advice = dpia.PriorConsultation(
        submitted_on=clock.today() - timedelta(weeks=4), reference="AP z2026-01234",
        advice_on=clock.today(), outcome="no_objection", advice="No objection")
    consulted = dpia.save(**_assessment(risks=[RISK_HIGH], consultation=advice),
                          actor=admin)
    policy_settings.set_template_policy("all", actor=admin, legal_basis=basis,
                                 dpia_version_id=consulted.id)
    state = policy_settings.policy_state()
    assert state.policy == TemplatePolicy.ALL and state.dpia_version_id == consulted.id
    assert state.dpia_reference == consulted.label  # no reference typed: the version's
