"""Alliance connector SDK: what a member needs to talk to the Alliance Hub over Kafka.

    publisher = Publisher(member, signing_key, token_key, BrokerConnection(bootstrap, user, pw))
    publisher.report(CreditSignal(...))                  # validated, tokenised, signed, confirmed
    listener = InstructionListener(member, hub_keys, signing_key, connection)
    instruction = listener.receive()                     # verified, de-duplicated
    listener.ack(instruction, AckStatus.EXECUTED)

The hub reuses these modules for the wire format, so there is one implementation of it.
`docs/wire-contract.md` describes the same contract for any other language.
"""

from alliance_connector.edwards25519 import WeakPublicKey
from alliance_connector.envelope import (
    MAX_ENVELOPE_BYTES,
    OpenedMessage,
    SignedEnvelope,
    decode_envelope,
    decode_payload,
    open_verified,
    seal,
)
from alliance_connector.errors import (
    ConnectorError,
    DeliveryFailed,
    InstructionRejected,
    InvalidField,
    InvalidIdentifier,
    InvalidMemberId,
    KeyFileError,
    MalformedMessage,
    MessageRejected,
    Oversize,
    SignatureRejected,
    SignerMismatch,
    UnknownSchema,
    UntrustedSigner,
)
from alliance_connector.identifiers import (
    PERSONAL_SCHEMES,
    Identifier,
    IdentifierScheme,
    normalize,
)
from alliance_connector.kafka_options import BrokerConnection
from alliance_connector.listener import InstructionListener
from alliance_connector.messages import (
    AckStatus,
    Cause,
    CreditSignal,
    Evidence,
    InstructionAck,
    ListType,
    ObservedWindow,
    SanctionAction,
    SanctionInstruction,
    Severity,
    SignalCategory,
)
from alliance_connector.publisher import Delivery, Publisher
from alliance_connector.reasons import Reason
from alliance_connector.schemas import PayloadSchema, SchemaCatalog, catalog
from alliance_connector.signing import SigningKey, VerifyKey, key_id_for, pae
from alliance_connector.tokens import TokenKey, is_token, order_ref, protect, tokenize
from alliance_connector.topics import (
    HUB_SIGNER,
    LISTS_TOPIC,
    REJECTED_TOPIC,
    MemberId,
    acks_topic,
    instructions_topic,
    member_id,
    signals_topic,
)
from alliance_connector.validation import validate_ack, validate_signal, validate_subject

__all__ = [
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
    "WeakPublicKey",
    "SignedEnvelope",
    "SignerMismatch",
    "SigningKey",
    "TokenKey",
    "UnknownSchema",
    "UntrustedSigner",
    "VerifyKey",
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
]
