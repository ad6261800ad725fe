"""The SDK's public surface is pinned: adding or removing a name is a deliberate change."""

import alliance_connector


def test_all_names_exist_and_are_sorted_groups() -> None:
    for name in alliance_connector.__all__:
        assert hasattr(alliance_connector, name), name
    assert len(set(alliance_connector.__all__)) == len(alliance_connector.__all__)


def test_public_surface_is_pinned() -> None:
    assert set(alliance_connector.__all__) == {
        "HUB_SIGNER",
        "LISTS_TOPIC",
        "MAX_ENVELOPE_BYTES",
        "PERSONAL_SCHEMES",
        "REJECTED_TOPIC",
        "AckStatus",
        "BrokerConnection",
        "Cause",
        "ConnectorError",
        "CreditSignal",
        "Delivery",
        "DeliveryFailed",
        "Evidence",
        "Identifier",
        "IdentifierScheme",
        "InstructionAck",
        "InstructionListener",
        "InstructionRejected",
        "InvalidField",
        "InvalidIdentifier",
        "InvalidMemberId",
        "KeyFileError",
        "ListType",
        "MalformedMessage",
        "MemberId",
        "MessageRejected",
        "ObservedWindow",
        "OpenedMessage",
        "Oversize",
        "PayloadSchema",
        "Publisher",
        "Reason",
        "SanctionAction",
        "SanctionInstruction",
        "SchemaCatalog",
        "Severity",
        "SignalCategory",
        "SignatureRejected",
        "SignedEnvelope",
        "SignerMismatch",
        "SigningKey",
        "TokenKey",
        "UnknownSchema",
        "UntrustedSigner",
        "VerifyKey",
        "WeakPublicKey",
        "acks_topic",
        "catalog",
        "decode_envelope",
        "decode_payload",
        "instructions_topic",
        "is_token",
        "key_id_for",
        "member_id",
        "normalize",
        "open_verified",
        "order_ref",
        "pae",
        "protect",
        "seal",
        "signals_topic",
        "tokenize",
        "validate_ack",
        "validate_signal",
        "validate_subject",
    }


def test_public_functions_and_classes_have_docstrings() -> None:
    missing = [
        name
        for name in alliance_connector.__all__
        if callable(getattr(alliance_connector, name))
        and not getattr(alliance_connector, name).__doc__
    ]
    assert missing == []
