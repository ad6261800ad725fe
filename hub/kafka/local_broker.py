"""Start the bundled single-node broker (deploy/kafka/broker) when no bootstrap is configured.

The shell script owns the broker's life; this module only runs it and reads its answer: the
bootstrap address on the last line of stdout, or one line starting "broker:" on failure.
"""

import subprocess  # noqa: S404 - runs our own script with fixed arguments
from pathlib import Path

from hub.errors import LocalBrokerError


def start_local_broker(script: Path, *, sasl: bool = False, timeout_s: float = 300) -> str:
    """Start (or find running) the local broker and return its bootstrap address."""
    if not script.is_file():
        raise LocalBrokerError(
            f"no local broker script at {script}: run from a source checkout or set "
            "HUB_KAFKA_BOOTSTRAP"
        )
    args = [str(script), "start", *(["--sasl"] if sasl else [])]
    try:
        done = subprocess.run(  # noqa: S603
            args, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise LocalBrokerError(f"{script} start did not answer within {timeout_s:.0f}s") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = done.stderr.strip().splitlines()
        raise LocalBrokerError(reason[-1] if reason else f"{script} exited {done.returncode}")
    return lines[-1]
