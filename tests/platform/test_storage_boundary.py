"""A database row cannot reach the keys: stored-file keys name data folders only."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from likeness.dsr import intake, links
from likeness.models import utcnow
from likeness.platform.storage import NotAStorageKey, check_key, storage

# Files that live in the instance folder beside the data, which a row must never reach.
KEY_FILES = ["face-keys.json", "audit-key", "dev-secret-key", "pdf-signing/key.pem",
             "likeness.db", "ledger/withdrawals.jsonl", "../face-keys.json",
             "assets/../audit-key", "/etc/hostname"]


def _plant(app: Flask, relative: str) -> bytes:
    """The file as it would be on a server (created here if this test app has none)."""
    path = Path(app.config["INSTANCE_PATH"]) / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"SECRET-" + secrets.token_hex(16).encode())
    return path.read_bytes()


def _answered_request(db: Any) -> Any:
    request = intake.submit(intake.Intake(type="access", name="Ada Lovelace",
                                          email="ada@example.org", details="", language="en",
                                          event="Open day at the hospital"))
    request.answer_sent_at = utcnow()
    db.session.flush()
    return request


@pytest.mark.parametrize("key", KEY_FILES)
def test_a_row_pointing_at_a_key_file_gets_404_not_the_file(
    app: Flask, db: Any, client: FlaskClient, key: str, caplog: pytest.LogCaptureFixture
):
    request = _answered_request(db)  # creates the audit key, as on a real server
    secret = _plant(app, key) if not key.startswith(("/", "..")) and ".." not in key else b""
    # Someone who can write the database points the answer at the file.
    request.response_pdf_path = key
    request.export_zip_path = key
    db.session.flush()
    token = links.status_token(request)

    with caplog.at_level(logging.WARNING):
        for kind in ("response.pdf", "export.zip"):
            response = client.get(f"/request/status/{token}/{kind}")
            assert response.status_code == 404
            assert not secret or secret not in response.get_data()
    assert "not in a data folder" in caplog.text
    assert key not in caplog.text  # the crafted name is not logged


def test_data_objects_are_still_served(app: Flask, db: Any, client: FlaskClient):
    request = _answered_request(db)
    storage().write(f"pdf/responses/{request.reference}-test.pdf", b"%PDF-1.7 answer")
    request.response_pdf_path = f"pdf/responses/{request.reference}-test.pdf"
    db.session.flush()

    response = client.get(f"/request/status/{links.status_token(request)}/response.pdf")

    assert response.status_code == 200
    assert response.get_data() == b"%PDF-1.7 answer"


@pytest.mark.parametrize("key", KEY_FILES)
def test_the_store_refuses_to_read_or_write_outside_the_data_folders(app: Flask, key: str):
    with pytest.raises(NotAStorageKey):
        check_key(key)
    with pytest.raises(FileNotFoundError):  # readers see "no such object"
        storage().read(key)
    with pytest.raises(ValueError):  # code checking keys sees a bad key
        storage().write(key, b"overwritten")
