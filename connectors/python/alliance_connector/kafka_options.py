"""Connection options for a member's kafka-python clients."""

from dataclasses import dataclass
from typing import Any

__all__ = ["BrokerConnection"]


@dataclass(frozen=True)
class BrokerConnection:
    """Where the alliance's brokers are and how a member logs in (SASL/SCRAM-SHA-256)."""

    bootstrap: str
    username: str | None = None
    password: str | None = None
    security_protocol: str = "PLAINTEXT"  # SASL_SSL in production, SASL_PLAINTEXT on loopback

    def __repr__(self) -> str:  # the password never reaches a log line
        return f"BrokerConnection({self.bootstrap!r}, username={self.username!r})"

    def options(self) -> dict[str, Any]:
        """kafka-python keyword arguments for producers and consumers."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
        }
        if self.username is not None:
            options |= {
                "sasl_mechanism": "SCRAM-SHA-256",
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password,
            }
        return options
