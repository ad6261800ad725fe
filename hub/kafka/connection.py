"""Connection options for kafka-python clients, built from the settings in one place."""

from typing import Any

from hub.config import Settings
from hub.errors import ConfigError


def client_options(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """kafka-python keyword arguments shared by producers, consumers and admin clients."""
    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "security_protocol": settings.kafka_security_protocol,
        "client_id": "alliance-hub",
    }
    if settings.kafka_security_protocol.startswith("SASL"):
        if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
            raise ConfigError(
                "HUB_KAFKA_SASL_USERNAME and HUB_KAFKA_SASL_PASSWORD are required with "
                f"HUB_KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol}"
            )
        options |= {
            "sasl_mechanism": "SCRAM-SHA-256",
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value(),
        }
    return options
