"""The settings schema: what a person who sets the environment wrong is told."""

from __future__ import annotations

import pytest

from likeness.config import ConfigError, load_config


@pytest.mark.parametrize(("name", "value", "named"), [
    ("MAIL_PORT", "twenty-five", "MAIL_PORT"),
    ("MAIL_PORT", "70000", "MAIL_PORT"),
    ("STORAGE", "ftp", "STORAGE"),
    ("SEARCH_TIMEOUT_SECONDS", "30", "SEARCH_TIMEOUT_SECONDS"),
    ("MAIL_USE_TLS", "perhaps", "MAIL_USE_TLS"),
    ("DOWNLOAD_WITHOUT_CONSENT", "publish", "DOWNLOAD_WITHOUT_CONSENT"),
])
def test_a_wrong_setting_stops_start_up_naming_it(monkeypatch: pytest.MonkeyPatch, name: str,
                                                  value: str, named: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=named):
        load_config({"ENV_NAME": "testing"})


def test_a_secret_that_does_not_validate_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_PORT", "hunter2-secret")
    with pytest.raises(ConfigError) as caught:
        load_config({"ENV_NAME": "testing"})
    assert "hunter2-secret" not in str(caught.value)


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_PORT", "")
    monkeypatch.setenv("QUITCLAIM_LINK_DAYS", "")
    cfg = load_config({"ENV_NAME": "testing"})
    assert cfg["MAIL_PORT"] == 25 and cfg["QUITCLAIM_LINK_DAYS"] == 14


def test_lists_are_comma_separated_and_names_map_to_flask_keys(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFF_2FA_ROLES", "admin, librarian ,")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", "1024")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    cfg = load_config({"ENV_NAME": "testing"})
    assert cfg["STAFF_2FA_ROLES"] == ("admin", "librarian")
    assert cfg["MAX_CONTENT_LENGTH"] == 1024 and cfg["MAIL_USE_TLS"] is True


def test_defaults_that_depend_on_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path) -> None:
    monkeypatch.delenv("SEARCH_SERVICE", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    testing = load_config({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})
    development = load_config({"ENV_NAME": "development", "INSTANCE_PATH": str(tmp_path)})
    assert testing["SEARCH_SERVICE"] == "local" and development["SEARCH_SERVICE"] == "worker"
    assert development["SESSION_COOKIE_SECURE"] is False and testing["SESSION_COOKIE_SECURE"]
    assert development["FACE_KEY_FILE"] == str(tmp_path / "face-keys.json")
