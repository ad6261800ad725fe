"""After a run fed personal data in clear (resident IDs and mobile numbers in identifier fields,
notes, reporter, signer and key id strings, ids, undecodable and oversized records), none of it
is anywhere the hub writes: no table of the store, no log line, no record on the hub's topics
(alliance.rejected, the lists topic, members' instruction topics). Only the members' own
signals and acks topics hold what they wrote. A reject keeps its record's bytes only when the
record is known to be clean, then also for REPLAY, UNKNOWN_INSTRUCTION and WRONG_MEMBER, and
every published reject fits under the envelope cap."""

import dataclasses
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from kafka import KafkaProducer

from alliance_connector import (
    HUB_SIGNER,
    MAX_ENVELOPE_BYTES,
    REJECTED_TOPIC,
    Identifier,
    IdentifierScheme,
    InstructionAck,
    Reason,
    SignalCategory,
    acks_topic,
    catalog,
    open_verified,
    seal,
    signals_topic,
)
from alliance_connector.envelope import decode_envelope
from alliance_connector.identifiers import personal_pattern
from alliance_connector.messages import AckStatus, CreditSignal, Evidence
from alliance_connector.publisher import prepare_signal
from alliance_connector.topics import instructions_topic
from hub.ledger.verify import verify
from hub.store.schema import instructions, rejects
from tests.envelopes import rebuilt, resigned
from tests.integration.alliance import (
    TOKEN_KEY,
    Alliance,
    Member,
    RunningWorker,
    read_topic,
    wait_until,
)

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")
# What was fed in clear; the issue's own examples among them.
RESIDENT_IDS = ["11010519491231002X", "110105194912310021"]
MOBILES = ["13812345678", "14316122440", "17308063885"]
FED = RESIDENT_IDS + MOBILES

STORES = pytest.mark.parametrize("fresh_database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def alliance_here(
    fresh_database_url: str, kafka_bootstrap: str, kafka_admin: Any, unique_name: Any
) -> Iterator[Alliance]:
    built = Alliance(kafka_bootstrap, fresh_database_url, kafka_admin, unique_name("p"))
    yield built
    built.close()


def hits(text: str) -> list[str]:
    """Every fed value, or anything shaped like a resident ID or mobile number, in `text`."""
    found = [value for value in FED if value in text or value.lower() in text]
    if personal_pattern(text) is not None:
        found.append(f"pattern in {text[:200]!r}")
    return found


def hits_in_bytes(data: bytes) -> list[str]:
    return hits(data.decode("utf-8", errors="replace"))


def signed(member: Member, kind: str, record: dict[str, Any], **changes: Any) -> bytes:
    envelope = seal(catalog().newest(kind), record, member.id, member.key)
    if "payload_type" in changes:  # still signed right, so the check reaches the schema
        return resigned(envelope, member.key, **changes).to_bytes()
    return rebuilt(envelope, **changes).to_bytes()


def clear(scheme: IdentifierScheme, value: str) -> Identifier:
    return Identifier(scheme, value)


@STORES
def test_no_personal_data_fed_in_clear_reaches_the_store_the_log_or_the_hubs_topics(
    alliance_here: Alliance, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    alliance = alliance_here
    shop = alliance.join(
        "shop", categories=[SignalCategory.PRESENCE, SignalCategory.FAKE_TRANSACTION]
    )
    other = alliance.join("other")
    alliance.blacklist("entry-p", USCC)
    rid, rid2 = RESIDENT_IDS
    mobile, key_mobile, signer_mobile = MOBILES

    def signal(*subject: Identifier, **changes: Any) -> CreditSignal:
        base = alliance.signal("shop", SignalCategory.FAKE_TRANSACTION, *(subject or (USCC,)))
        return dataclasses.replace(base, **changes)

    def record(value: CreditSignal) -> dict[str, Any]:
        return value.to_record()

    def ack(instruction_id: str, note: str | None = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        return InstructionAck(instruction_id, shop.id, AckStatus.EXECUTED, now, note).to_record()

    replayed = prepare_signal(signal(), shop.id, shop.key, TOKEN_KEY)[1]
    tokens_only = prepare_signal(
        signal(clear(IdentifierScheme.MOBILE, mobile), USCC), shop.id, shop.key, TOKEN_KEY
    )[1]
    category_clean = signed(
        shop, "CreditSignal", record(decode_signal(tokens_only, SignalCategory.COUNTERFEIT))
    )
    sig_topic, ack_topic = signals_topic(shop.id), acks_topic(shop.id)
    cases: list[tuple[str, bytes, Reason, bool]] = [  # topic, value, reason, keeps original
        (sig_topic, f"{rid} {mobile} ".encode() * 5000, Reason.OVERSIZE, False),
        (sig_topic, b"\x02" + f"mobile {mobile}".encode(), Reason.DECODE_ERROR, False),
        (
            sig_topic,
            signed(shop, "CreditSignal", record(signal()), signer=signer_mobile),
            Reason.SIGNER_TOPIC_MISMATCH,
            False,
        ),
        (
            sig_topic,
            signed(shop, "CreditSignal", record(signal()), key_id=f"ed25519:{key_mobile}"),
            Reason.UNKNOWN_KEY,
            False,
        ),
        (  # the 60 KB key id, now holding resident IDs
            sig_topic,
            signed(shop, "CreditSignal", record(signal()), key_id=(rid + " ") * 3100),
            Reason.UNKNOWN_KEY,
            False,
        ),
        (
            sig_topic,
            signed(shop, "CreditSignal", record(signal()), payload_type=f"tel/{mobile}"),
            Reason.SCHEMA_UNKNOWN,
            False,
        ),
        (
            sig_topic,
            signed(shop, "CreditSignal", record(signal(clear(IdentifierScheme.MOBILE, mobile)))),
            Reason.INVALID_IDENTIFIER,
            False,
        ),
        (
            sig_topic,
            signed(shop, "CreditSignal", record(signal(clear(IdentifierScheme.USCC, rid2)))),
            Reason.INVALID_IDENTIFIER,
            False,
        ),
        (  # refused for its category; it also holds a resident ID in clear
            sig_topic,
            signed(
                shop,
                "CreditSignal",
                record(
                    signal(
                        clear(IdentifierScheme.RESIDENT_ID, rid),
                        category=SignalCategory.COUNTERFEIT,
                    )
                ),
            ),
            Reason.CATEGORY_NOT_ALLOWED,
            False,
        ),
        (sig_topic, category_clean, Reason.CATEGORY_NOT_ALLOWED, True),
        (
            sig_topic,
            signed(
                shop,
                "CreditSignal",
                record(
                    decode_signal(
                        tokens_only, evidence=Evidence(note=f"买家手机 {mobile}，身份证 {rid}")
                    )
                ),
            ),
            Reason.INVALID_FIELD,
            False,
        ),
        (
            sig_topic,
            signed(shop, "CreditSignal", record(signal(reporter=f"+86{mobile}"))),
            Reason.INVALID_FIELD,
            False,
        ),
        (sig_topic, replayed, Reason.REPLAY, True),
        (ack_topic, signed(shop, "InstructionAck", ack(mobile)), Reason.INVALID_FIELD, False),
        (
            ack_topic,
            signed(shop, "InstructionAck", ack("ins-nope", note=f"联系人 {mobile}")),
            Reason.INVALID_FIELD,
            False,
        ),
        (
            ack_topic,
            signed(shop, "InstructionAck", ack("ins-nope")),
            Reason.UNKNOWN_INSTRUCTION,
            True,
        ),
    ]
    producer = KafkaProducer(
        bootstrap_servers=alliance.bootstrap, acks="all", max_request_size=400_000
    )
    producer.send(sig_topic, replayed).get(30)  # accepted; the copy in `cases` is the replay
    for topic, value, _, _ in cases:
        producer.send(topic, value).get(30)

    with RunningWorker(alliance.worker()):
        # A loaded machine may take a while to start the worker's processes and join the group.
        wait_until(lambda: alliance.count(rejects) == len(cases), 120, what="every case rejected")
        # The shop's presence earns it an instruction (its public exposure waits for an
        # operator); the other member acks it.
        shop.publisher.report(
            alliance.signal(
                "shop", SignalCategory.PRESENCE, USCC, clear(IdentifierScheme.MOBILE, mobile)
            )
        )
        wait_until(lambda: alliance.count(instructions) == 1, what="the shop's instruction")
        ours = str(alliance.scalar(sa.select(instructions.c.instruction_id).limit(1)))
        foreign = InstructionAck(ours, other.id, AckStatus.EXECUTED, datetime.now(UTC))
        wrong_member = signed(other, "InstructionAck", foreign.to_record())
        producer.send(acks_topic(other.id), wrong_member).get(30)
        wait_until(lambda: alliance.count(rejects) == len(cases) + 1, what="the foreign ack")
        wait_until(
            lambda: alliance.count(rejects, rejects.c.sent_at.is_(None)) == 0,
            what="rejects published",
        )
    producer.close()
    cases.append((acks_topic(other.id), wrong_member, Reason.WRONG_MEMBER, True))

    # What each reject kept: the record's head exactly when it was known to be clean.
    with alliance.engine.connect() as connection:
        stored = connection.execute(
            sa.select(rejects.c.reason, rejects.c.original).order_by(rejects.c.reject_id)
        ).all()
        assert verify(connection).ok
    assert sorted((r.reason, bool(r.original)) for r in stored) == sorted(
        (str(reason), keeps) for _, _, reason, keeps in cases
    )
    originals = {bytes(r.original) for r in stored if r.original}
    assert originals == {value[:16384] for _, value, _, keeps in cases if keeps}

    found: list[str] = []
    # Every table of the store, every text and byte column.
    tables = sa.MetaData()
    tables.reflect(alliance.engine)
    with alliance.engine.connect() as connection:
        for table in tables.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for column, cell in row._mapping.items():
                    if isinstance(cell, str):
                        found += [f"{table.name}.{column}: {h}" for h in hits(cell)]
                    elif isinstance(cell, bytes | memoryview):
                        found += [f"{table.name}.{column}: {h}" for h in hits_in_bytes(bytes(cell))]
    # The log: this process's records and what the store process wrote to its stderr.
    output = capfd.readouterr()
    found += [f"log: {h}" for h in hits(caplog.text + output.out + output.err)]
    # The hub's topics: its rejects (the topic is shared: ours are those our hub signed), this
    # alliance's lists topic and the members' instruction topics.
    hub_key = alliance.hub_key.verify_key
    published = 0
    for value in read_topic(alliance.bootstrap, REJECTED_TOPIC, 10**9, timeout_s=5):
        try:
            opened = open_verified(value, lambda s, k: hub_key, HUB_SIGNER)
        except Exception:  # noqa: BLE001, S112 - other tests' hubs sign with other keys
            continue
        published += 1
        assert len(value) <= MAX_ENVELOPE_BYTES
        found += [f"{REJECTED_TOPIC}: {h}" for h in hits_in_bytes(value)]
        assert opened.record["original"] in originals | {b""}
    assert published >= len(cases)
    hub_topics = [alliance.lists_topic, instructions_topic(shop.id), instructions_topic(other.id)]
    for topic in hub_topics:
        for value in read_topic(alliance.bootstrap, topic, 10**9, timeout_s=3):
            found += [f"{topic}: {h}" for h in hits_in_bytes(value)]
    assert found == []
    # The scan can see: the members' own topics hold what they wrote in clear.
    member_side = b"".join(read_topic(alliance.bootstrap, sig_topic, 10**9, timeout_s=3))
    assert hits_in_bytes(member_side)


def decode_signal(
    value: bytes, category: SignalCategory | None = None, evidence: Evidence | None = None
) -> CreditSignal:
    """The signal in an envelope the publisher made (tokens only), with a new id and, if
    given, another category or evidence."""
    payload = decode_envelope(value)
    schema = catalog().newest("CreditSignal")
    signal = CreditSignal.from_record(catalog().codec(schema).decode(payload.payload))
    changes: dict[str, Any] = {"signal_id": uuid.uuid4()}
    if category is not None:
        changes["category"] = category
    if evidence is not None:
        changes["evidence"] = evidence
    return dataclasses.replace(signal, **changes)
