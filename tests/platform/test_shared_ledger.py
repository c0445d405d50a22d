"""The shared ledger on a shared folder (`LEDGER_DIR`), and ledger files of older
versions: a restore reads them and copies them to the shared ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from likeness.consent import withdrawal
from likeness.models import Quitclaim, QuitclaimStatus
from likeness.platform import shared_ledger
from likeness.platform.actor import person_actor
from tests.support.helpers import run_jobs
from tests.support.scenarios import invite_and_open, sign


@pytest.fixture
def app_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"LEDGER_DIR": str(tmp_path / "mounted-on-every-machine")}


@pytest.fixture
def signed(client: FlaskClient, db: Any, mailbox: Any, tagged_barack: Any,
           librarian: Any) -> Quitclaim:
    path = invite_and_open(client, mailbox, tagged_barack, librarian)
    assert sign(client, path, channels=["website"]).status_code == 302
    run_jobs()
    return db.session.scalars(select(Quitclaim)).one()


def test_with_a_ledger_folder_entries_are_written_there(
    app: Flask, db: Any, signed: Quitclaim, tagged_barack: Any, tmp_path: Path,
):
    withdrawal.withdraw(signed.id, actor=person_actor(tagged_barack.person.id))
    run_jobs()
    written = list((tmp_path / "mounted-on-every-machine" / "ledger" / "withdrawals")
                   .glob("*.json"))
    assert len(written) == 1
    assert json.loads(written[0].read_text())["quitclaim_id"] == signed.id
    assert not (Path(app.config["INSTANCE_PATH"]) / "ledger" / "withdrawals").exists()


def test_a_withdrawal_only_an_older_versions_file_knows_is_reapplied_and_shared(
    app: Flask, db: Any, signed: Quitclaim, tmp_path: Path,
):
    archive = tmp_path / "backup.sealed"
    assert app.test_cli_runner().invoke(args=["backup", "--output", str(archive)]).exit_code == 0
    legacy = Path(app.config["INSTANCE_PATH"]) / "ledger" / "withdrawals.jsonl"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text(json.dumps({
        "quitclaim_id": signed.id, "signed_at": signed.signed_at.isoformat(),
        "channel": None, "biometric_only": False,
        "withdrawn_at": "2026-12-01T10:00:00+00:00"}) + "\n")

    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code == 0, result.output
    assert "withdrawals_reapplied: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Quitclaim, signed.id).status == QuitclaimStatus.WITHDRAWN
    assert [e["quitclaim_id"] for e in shared_ledger.read("withdrawals")] == [signed.id]
