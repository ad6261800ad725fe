"""Envelopes changed after sealing, for tests that tamper with them."""

from dataclasses import replace

from alliance_connector.envelope import ENVELOPE_SIGNING_TYPE, SignedEnvelope
from alliance_connector.signing import SigningKey


def rebuilt(envelope: SignedEnvelope, **changes: object) -> SignedEnvelope:
    """`envelope` with `changes` to its fields, encoded again, its old signature kept."""
    fields = {name: value for name, value in vars(envelope).items() if name != "signed"}
    return SignedEnvelope.build(**(fields | changes))


def resigned(envelope: SignedEnvelope, key: SigningKey, **changes: object) -> SignedEnvelope:
    """`envelope` with `changes` to its fields, signed again by `key`."""
    changed = rebuilt(envelope, **changes)
    return replace(changed, signature=key.sign(ENVELOPE_SIGNING_TYPE, changed.signed))
