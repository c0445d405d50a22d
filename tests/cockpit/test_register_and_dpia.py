"""The register of processing and the DPIA: PDFs whose text (read back) carries the live
figures and the recorded policy basis, in English and Dutch."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select

from likeness.cockpit import dpia, register, schedules
from likeness.library import policy_settings
from likeness.models import AuditEvent, Face, TemplatePolicy
from tests.cockpit import factories


def _text(document: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    return re.sub(r"\s+", " ", text)


def _library(db: Any) -> None:
    """Photos, faces, people, one recipient in the disclosure register."""
    jane = factories.person(db, "Jane")
    photos = [factories.asset(db, "Fair", faces=3) for _ in range(4)]
    factories.tag(db, photos[0].faces[0], jane)
    photos[0].faces[1].template_ciphertext = b"x" * 40
    factories.disclosure(db, photos[0], recipient="Dagblad van het Noorden")
    db.session.commit()


def _figure(text: str, label: str) -> int:
    match = re.search(re.escape(label) + r" (\d+)", text)
    assert match, (label, text)
    return int(match.group(1))


def test_the_register_pdf_carries_the_live_figures_and_the_recorded_basis(
    app: Flask, db: Any, make_staff: Any
):
    admin = make_staff("admin")
    _library(db)
    version = dpia.save(description="Faces in our image bank", necessity="n",
                        risks=[dpia.Risk("Leak", "low", "high", "Encryption", "low")],
                        dpo_advice="Go ahead", conclusion="Acceptable", positive=True,
                        actor=admin)
    policy_settings.set_template_policy(TemplatePolicy.ALL, actor=admin,
                                 legal_basis="Art. 9(2)(g) GDPR with the Archiefwet 1995",
                                 dpia_reference="DPIA-2026-07", dpia_version_id=version.id)
    schedules.save({schedules.EMAIL_DAYS.key: 45}, actor=admin)

    english = _text(register.pdf("en", actor=admin))
    assert "Register of processing activities" in english
    assert _figure(english, "Photos in the image bank") == 4
    assert _figure(english, "Faces detected") == db.session.scalar(select(func.count(Face.id)))
    assert _figure(english, "Faces tagged to a person") == 1
    assert _figure(english, "Encrypted face templates held") == 1
    assert "Art. 9(2)(g) GDPR with the Archiefwet 1995" in english
    assert "DPIA-2026-07 (DPIA v1" in english
    assert "Dagblad van het Noorden" in english
    assert "Sent emails: deleted after 45 days" in english

    dutch = _text(register.pdf("nl", actor=admin))
    assert "Register van verwerkingsactiviteiten" in dutch
    assert _figure(dutch, "Foto's in de beeldbank") == 4
    assert "Art. 9(2)(g) GDPR with the Archiefwet 1995" in dutch
    assert "45 dagen" in dutch
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "register.exported")) == 2


def test_the_dpia_is_versioned_prefilled_and_exported(app: Flask, db: Any, make_staff: Any):
    officer = make_staff("privacy_officer")
    _library(db)
    risks = [dpia.Risk(**r) for r in dpia.starting_risks()]
    assert len(risks) == 5 and "wrong match" in risks[1].risk
    first = dpia.save(description="v1", necessity="needed", risks=risks,
                      dpo_advice="Record the basis", conclusion="ok", actor=officer)
    factories.asset(db, "Later", faces=2)
    db.session.commit()
    second = dpia.save(description="v2", necessity="needed", risks=risks[:2],
                       dpo_advice="Fine", conclusion="ok", actor=officer)
    assert (first.number, second.number) == (1, 2)
    assert [v.number for v in dpia.versions()] == [2, 1]
    assert first.facts["figures"]["photos"] == 4 and second.facts["figures"]["photos"] == 5

    text = _text(dpia.pdf(first.id, "en", actor=officer))
    assert "DPIA v1" in text and "Record the basis" in text
    assert _figure(text, "Photos in the image bank") == 4  # the facts when v1 was saved
    assert "Only with consent" in text and "consented-only" not in text
    dutch = _text(dpia.pdf(second.id, "nl", actor=officer))
    assert "Gegevensbeschermingseffectbeoordeling" in dutch
    assert _figure(dutch, "Foto's in de beeldbank") == 5
