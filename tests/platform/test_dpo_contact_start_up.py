"""Large-scale processing of biometric data makes a DPO mandatory (GDPR Art. 37(1)(c)):
in production the app does not start without the DPO contact setting."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from likeness.app import create_app
from likeness.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def _production(**overrides: str) -> dict[str, str]:
    # Everything else production needs is given, so the DPO contact is what is missing.
    return {"ENV_NAME": "production", "SECRET_KEY": secrets.token_hex(32),
            "TRUSTED_PROXY_HOPS": 0, **overrides}


def test_production_refuses_to_start_without_the_dpo_contact(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DPO_CONTACT", raising=False)
    with pytest.raises(ConfigError) as refused:
        create_app({**_production(), "REDIS_URL": "redis://:pw@127.0.0.1:1/0"})
    message = str(refused.value)
    assert "DPO_CONTACT is not set" in message
    assert "Art. 37" in message
    # The operator learns that the contact saved in the cockpit does not satisfy the check.
    assert "Settings -> Transparency does not count" in message


def test_a_blank_dpo_contact_counts_as_missing():
    with pytest.raises(ConfigError, match="DPO_CONTACT"):
        load_config(_production(DPO_CONTACT="   "))


def test_production_starts_with_the_dpo_contact_and_shows_it():
    cfg = load_config(_production(DPO_CONTACT="Functionaris gegevensbescherming, fg@example.org"))
    assert cfg["DPO_CONTACT"].endswith("fg@example.org")


def test_development_and_testing_start_without_it():
    assert load_config({"ENV_NAME": "development", "DPO_CONTACT": ""})["DPO_CONTACT"] == ""
    assert load_config({"ENV_NAME": "testing", "DPO_CONTACT": ""})["DPO_CONTACT"] == ""


def test_the_operator_sees_the_setting_named_when_the_app_will_not_start(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "DPO_CONTACT"}
    env.update(FLASK_APP="wsgi:app", LIKENESS_ENV="production",
               SECRET_KEY=secrets.token_hex(32), TRUSTED_PROXY_HOPS="0", REDIS_URL="",
               LIKENESS_INSTANCE=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}")
    done = subprocess.run([sys.executable, "-m", "flask", "routes"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "DPO_CONTACT is not set" in done.stderr
