from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError, LocalBrokerError
from hub.kafka.connection import client_options
from hub.kafka.local_broker import start_local_broker


def test_plaintext_options_carry_no_credentials() -> None:
    options = client_options(Settings(), "127.0.0.1:9092")
    assert options["bootstrap_servers"] == "127.0.0.1:9092"
    assert options["security_protocol"] == "PLAINTEXT"
    assert "sasl_plain_password" not in options


def test_sasl_options_need_credentials() -> None:
    with pytest.raises(ConfigError, match="HUB_KAFKA_SASL_USERNAME"):
        client_options(Settings(kafka_security_protocol="SASL_PLAINTEXT"), "b:9094")
    options = client_options(
        Settings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username="hub",
            kafka_sasl_password=SecretStr("s3cret"),
        ),
        "b:9094",
    )
    assert options["sasl_mechanism"] == "SCRAM-SHA-256"
    assert options["sasl_plain_password"] == "s3cret"


def test_settings_are_frozen_and_read_from_hub_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://h@db/hub")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://h@db/hub"
    with pytest.raises(ValueError, match="frozen"):
        settings.database_url = "sqlite://"


def write_script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "broker"
    script.write_text("#!/usr/bin/env bash\n" + body)
    script.chmod(0o755)
    return script


def test_local_broker_address_is_the_last_stdout_line(tmp_path: Path) -> None:
    script = write_script(tmp_path, 'echo "noise" ; echo "127.0.0.1:19092"\n')
    assert start_local_broker(script) == "127.0.0.1:19092"


def test_local_broker_failure_surfaces_the_scripts_last_line(tmp_path: Path) -> None:
    script = write_script(tmp_path, 'echo "broker: Java not found: install a JDK" >&2; exit 1\n')
    with pytest.raises(LocalBrokerError) as raised:
        start_local_broker(script)
    assert raised.value.detail == "broker: Java not found: install a JDK"


def test_missing_script_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LocalBrokerError, match="HUB_KAFKA_BOOTSTRAP"):
        start_local_broker(tmp_path / "nope")
