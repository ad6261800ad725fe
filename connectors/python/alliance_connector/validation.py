"""The rules a message keeps beyond its Avro shape, checked by the publisher before sending
and by the hub on receipt: the same function on both sides.

- Personal identifiers (RESIDENT_ID, MOBILE, ACCOUNT) and order references travel only as
  keyed tokens; public identifiers travel normalised, exactly as `normalize` gives them.
- A subject has at least one identifier; the observed window does not run backwards.
- Free text (notes) and the instruction id an ack names hold no resident ID or mobile number
  (`personal_pattern`): they reach the hub's store and its rejects, where no personal
  identifier may be in clear.

No rule's message quotes the value it refused (see `errors`).
"""

import re

from alliance_connector.errors import InvalidField, InvalidIdentifier, InvalidMemberId
from alliance_connector.identifiers import (
    PERSONAL_SCHEMES,
    Identifier,
    IdentifierScheme,
    normalize,
    personal_pattern,
)
from alliance_connector.messages import CreditSignal, InstructionAck
from alliance_connector.tokens import is_token
from alliance_connector.topics import member_id

__all__ = [
    "MAX_NOTE_CHARS",
    "MAX_SUBJECT_IDENTIFIERS",
    "validate_ack",
    "validate_signal",
    "validate_subject",
]

MAX_SUBJECT_IDENTIFIERS = 64
MAX_NOTE_CHARS = 2000


def validate_subject(subject: tuple[Identifier, ...], field: str = "subject") -> None:
    """Raise InvalidIdentifier unless every identifier is a token or normalised public id."""
    if not subject:
        raise InvalidIdentifier(field, "a subject needs at least one identifier")
    if len(subject) > MAX_SUBJECT_IDENTIFIERS:
        raise InvalidIdentifier(field, f"at most {MAX_SUBJECT_IDENTIFIERS} identifiers")
    for index, identifier in enumerate(subject):
        where = f"{field}[{index}]"
        if identifier.scheme in PERSONAL_SCHEMES:
            if not is_token(identifier.value):
                raise InvalidIdentifier(
                    where, f"{identifier.scheme} must travel as a keyed token 'tk<n>:<hex>'"
                )
        elif normalize(identifier.scheme, identifier.value, where).value != identifier.value:
            raise InvalidIdentifier(where, f"{identifier.scheme} is not in normalised form")


def _check_member(value: str, field: str) -> None:
    try:
        member_id(value)
    except InvalidMemberId as exc:
        raise InvalidField(field, str(exc)) from None  # the message quotes no value


# Control characters (NUL above all, which PostgreSQL text refuses) have no place in free
# text; line breaks and tabs do.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INSTRUCTION_ID = re.compile(r"[\x21-\x7e]{1,64}")


def _check_note(note: str | None, field: str) -> None:
    if note is None:
        return
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidField(field, f"at most {MAX_NOTE_CHARS} characters")
    if _CONTROL.search(note):
        raise InvalidField(field, "no control characters")
    _check_no_personal_number(note, field)


def _check_no_personal_number(text: str, field: str) -> None:
    found = personal_pattern(text)
    if found is IdentifierScheme.RESIDENT_ID:
        raise InvalidField(field, "holds what looks like a resident ID number; leave it out")
    if found is IdentifierScheme.MOBILE:
        raise InvalidField(field, "holds what looks like a mobile number; leave it out")


def validate_signal(signal: CreditSignal, signer: str | None = None) -> None:
    """Raise InvalidIdentifier or InvalidField for the first rule the signal breaks.

    With `signer` (the envelope's), the reporter must be that signer: a member reports only
    in its own name.
    """
    _check_member(signal.reporter, "reporter")
    if signer is not None and signal.reporter != signer:
        raise InvalidField("reporter", "must be the envelope's signer")
    window = signal.observed_window
    if window.end < window.start:
        raise InvalidField("observed_window", "end is before start")
    validate_subject(signal.subject)
    evidence = signal.evidence
    if evidence.order_count < 0 or evidence.amount_fen < 0:
        raise InvalidField("evidence", "counts and amounts are not negative")
    for index, ref in enumerate(evidence.order_refs):
        if not is_token(ref):
            raise InvalidIdentifier(f"evidence.order_refs[{index}]", "must be a keyed token")
    for index, ref in enumerate(evidence.waybill_refs):
        field = f"evidence.waybill_refs[{index}]"
        if normalize(IdentifierScheme.WAYBILL, ref, field).value != ref:
            raise InvalidIdentifier(field, "waybill is not in normalised form 'carrier:NUMBER'")
    _check_note(evidence.note, "evidence.note")


def validate_ack(ack: InstructionAck, signer: str | None = None) -> None:
    """Raise InvalidField for an acknowledgement that breaks a rule; with `signer`, the
    acknowledging member must be that signer."""
    _check_member(ack.member, "member")
    if signer is not None and ack.member != signer:
        raise InvalidField("member", "must be the envelope's signer")
    if not _INSTRUCTION_ID.fullmatch(ack.instruction_id):
        raise InvalidField("instruction_id", "1-64 printable ASCII characters, no spaces")
    # The hub's ids never look like one; a made-up id that does must not reach a reject.
    _check_no_personal_number(ack.instruction_id, "instruction_id")
    _check_note(ack.note, "note")
