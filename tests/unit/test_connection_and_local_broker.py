"""Kafka client options from settings, and the settings object (the local broker has
test_local_broker.py)."""

import pytest
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError
from hub.kafka.connection import client_options


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
