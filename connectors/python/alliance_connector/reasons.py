"""Reason codes: why a message was refused. They travel on `alliance.rejected` as strings."""

from enum import StrEnum

__all__ = ["Reason"]


class Reason(StrEnum):
    """Every reason the hub (or a member's listener) gives for refusing a message."""

    OVERSIZE = "OVERSIZE"  # more bytes than the cap; refused before any decoding
    DECODE_ERROR = "DECODE_ERROR"  # envelope or payload bytes do not decode
    SIGNER_TOPIC_MISMATCH = "SIGNER_TOPIC_MISMATCH"  # signer does not own the topic
    # The signer was suspended (or removed) by the alliance's operators when the broker took
    # the record; a suspension is a period, so records from inside it stay refused.
    MEMBER_SUSPENDED = "MEMBER_SUSPENDED"
    UNKNOWN_KEY = "UNKNOWN_KEY"  # no such key id registered for the signer
    REVOKED_KEY = "REVOKED_KEY"  # the key was revoked
    EXPIRED_KEY = "EXPIRED_KEY"  # issued outside the key's validity window
    BAD_SIGNATURE = "BAD_SIGNATURE"  # the signature does not verify over the exact bytes
    REPLAY = "REPLAY"  # (signer, message id) seen before
    CLOCK_SKEW = "CLOCK_SKEW"  # issued too far from the receiver's clock
    SCHEMA_UNKNOWN = "SCHEMA_UNKNOWN"  # payload type or schema fingerprint not known
    CATEGORY_NOT_ALLOWED = "CATEGORY_NOT_ALLOWED"  # member may not report this category
    INVALID_IDENTIFIER = "INVALID_IDENTIFIER"  # an identifier breaks its scheme's rule
    INVALID_FIELD = "INVALID_FIELD"  # another field breaks a rule (window order, reporter...)
    UNKNOWN_INSTRUCTION = "UNKNOWN_INSTRUCTION"  # an ack names no instruction the hub issued
    WRONG_MEMBER = "WRONG_MEMBER"  # an ack for an instruction addressed to another member
    # An instruction's acknowledgement is final: a later ack with other content is refused
    # (an identical one is a REPLAY), so no member can rewrite what it said it did.
    ACK_ALREADY_FINAL = "ACK_ALREADY_FINAL"
