"""Alliance Hub: verifies members' credit signals, matches them against the sanction lists and
sends signed sanction instructions back, over Apache Kafka."""

__version__ = "0.1.0"
