"""A signed tree head's bytes, as docs/ledger.md states them, and the shapes it travels in."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from alliance_connector.signing import SigningKey, pae
from hub.ledger.hub_keys import HubKey
from hub.ledger.tree_heads import (
    HEAD_PAYLOAD_TYPE,
    SignedTreeHead,
    head_signature_ok,
    heads_from_text,
)

KEY = SigningKey.from_seed(b"\x01" * 32)
AT = datetime(2026, 12, 3, 17, 0, 0, 250_000, tzinfo=UTC)


def signed(size: int = 4711, at: datetime = AT) -> SignedTreeHead:
    unsigned = SignedTreeHead(size, bytes(range(32)), at, KEY.key_id, b"")
    return SignedTreeHead(
        size, unsigned.root_hash, at, KEY.key_id, KEY.sign(HEAD_PAYLOAD_TYPE, unsigned.payload())
    )


def hub_key(**changes: object) -> HubKey:
    fields: dict[str, object] = {
        "key_id": KEY.key_id,
        "public_key": KEY.verify_key.raw,
        "valid_from": AT - timedelta(days=1),
        "valid_until": None,
    }
    return HubKey(**(fields | changes))  # type: ignore[arg-type]


def test_the_payload_is_the_documented_canonical_json() -> None:
    head = signed()
    assert (
        head.payload()
        == (
            '{"key_id":"' + KEY.key_id + '","root_hash":"' + bytes(range(32)).hex() + '",'
            '"timestamp":"2026-12-03T17:00:00.250Z","tree_size":4711}'
        ).encode()
    )
    # DSSE's pre-authentication encoding over it is what the hub key signs
    KEY.verify_key.verify(HEAD_PAYLOAD_TYPE, head.payload(), head.signature)
    assert pae(HEAD_PAYLOAD_TYPE, head.payload()).startswith(b"DSSEv1 42 application/vnd.")


def test_a_head_verifies_only_under_a_current_hub_key_and_unchanged() -> None:
    head = signed()
    assert head_signature_ok(head, [hub_key()])
    assert not head_signature_ok(head, [hub_key(revoked=True)])
    assert not head_signature_ok(head, [hub_key(valid_until=AT - timedelta(seconds=1))])
    # announced ahead of its window, it signs nothing dated before the window opens
    assert not head_signature_ok(head, [hub_key(valid_from=AT + timedelta(seconds=1))])
    assert head_signature_ok(head, [hub_key(valid_from=AT)])
    assert not head_signature_ok(head, [hub_key(key_id="ed25519:0000000000000000")])
    moved = SignedTreeHead(4712, head.root_hash, AT, KEY.key_id, head.signature)
    assert not head_signature_ok(moved, [hub_key()])


def test_heads_read_back_from_every_shape_they_are_handed_out_in() -> None:
    one, two = signed(10), signed(20, AT + timedelta(hours=1))
    assert SignedTreeHead.from_json(one.as_json()) == one
    api_answer = {"latest": two.as_json(), "heads": [two.as_json(), one.as_json()]}
    assert heads_from_text(json.dumps(api_answer)) == [two, two, one]
    assert heads_from_text(json.dumps([one.as_json()])) == [one]
    assert heads_from_text(json.dumps(one.as_json())) == [one]
    lines = "\n".join(json.dumps(h.as_json()) for h in (one, two)) + "\n"
    assert heads_from_text(lines) == [one, two]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tree_size": 0}, "tree_size is not"),
        ({"tree_size": True}, "tree_size"),
        ({"root_hash": "zz"}, "root_hash is malformed"),
        ({"signature": "***"}, "signature is malformed"),
        ({"timestamp": "yesterday"}, "timestamp is malformed"),
        ({"timestamp": "2026-12-03T17:00:00"}, "timestamp is malformed"),  # no zone
    ],
)
def test_a_malformed_head_is_refused_naming_the_field_not_the_value(
    change: dict[str, object], message: str
) -> None:
    value = signed().as_json() | change
    with pytest.raises(ValueError, match=message) as raised:
        SignedTreeHead.from_json(value)
    assert "yesterday" not in str(raised.value) and "***" not in str(raised.value)


def test_a_head_without_a_field_or_text_that_is_no_head_is_refused() -> None:
    value = signed().as_json()
    del value["signature"]
    with pytest.raises(ValueError, match="lacks signature"):
        SignedTreeHead.from_json(value)
    with pytest.raises(ValueError):
        heads_from_text("[1, 2]")
    assert base64.b64decode(signed().as_json()["signature"]) == signed().signature
