"""Wire-format rates on one core: encode+sign and verify+decode of credit signals.

    python bench/wire.py [--count 20000]

Prints signals per second for each stage, measured in this process (single-threaded, so one
core), next to the raw Ed25519 sign and verify rates measured in the same run, which bound
them. Figures, not assertions: compare runs on the same machine.
"""

import argparse
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from alliance_connector import (
    CreditSignal,
    Evidence,
    Identifier,
    IdentifierScheme,
    ObservedWindow,
    SignalCategory,
    SigningKey,
    TokenKey,
    VerifyKey,
    open_verified,
    validate_signal,
)
from alliance_connector.publisher import prepare_signal

MEMBER = "shop-a"


def signals(count: int) -> list[CreditSignal]:
    now = datetime.now(UTC)
    return [
        CreditSignal(
            signal_id=uuid.uuid4(),
            reporter=MEMBER,
            reported_at=now,
            observed_window=ObservedWindow(now - timedelta(days=1), now),
            category=SignalCategory.FAKE_TRANSACTION,
            subject=(
                Identifier(IdentifierScheme.STORE, f"{MEMBER}:store:{i}"),
                Identifier(IdentifierScheme.MOBILE, f"+86138{i % 100_000_000:08d}"),
                Identifier(IdentifierScheme.USCC, "91330100799655058B"),
            ),
            evidence=Evidence(order_count=i % 50, amount_fen=i * 100),
        )
        for i in range(count)
    ]


def rate(count: int, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    arguments = parser.parse_args()
    count, as_json = arguments.count, arguments.json

    key = SigningKey.from_seed(bytes(range(32)))
    token_key = TokenKey(1, b"k" * 32)
    batch = signals(count)
    encoded: list[bytes] = []

    def encode_and_sign() -> None:
        encoded.extend(prepare_signal(s, MEMBER, key, token_key)[1] for s in batch)

    def pinned(signer: str, key_id: str) -> VerifyKey | None:
        return key.verify_key if key_id == key.key_id else None

    def verify_and_decode() -> None:
        for data in encoded:
            validate_signal(CreditSignal.from_record(open_verified(data, pinned, MEMBER).record))

    payload_type, body = "application/vnd.alliance.credit-signal.v1+avro", b"x" * 300
    signature = key.sign(payload_type, body)

    def raw_verify() -> None:
        for _ in batch:
            key.verify_key.verify(payload_type, body, signature)

    figures = {
        "encode_sign_per_s": rate(count, encode_and_sign),
        "verify_decode_per_s": rate(count, verify_and_decode),
        "raw_sign_per_s": rate(count, lambda: [key.sign(payload_type, body) for _ in batch]),
        "raw_verify_per_s": rate(count, raw_verify),
        "envelope_bytes": sum(map(len, encoded)) / len(encoded),
        "count": count,
    }
    print(f"signals: {count}, mean envelope {figures['envelope_bytes']:.0f} bytes, one core")
    for label, name in [
        ("encode+sign   (tokenise, validate, Avro, PAE, Ed25519)", "encode_sign_per_s"),
        ("verify+decode (cap, envelope, Ed25519, Avro, validate)", "verify_decode_per_s"),
        ("raw Ed25519 sign", "raw_sign_per_s"),
        ("raw Ed25519 verify", "raw_verify_per_s"),
    ]:
        print(f"{label:<56} {figures[name]:>9,.0f}/s")
    if as_json:
        print(json.dumps({k: round(v, 1) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
