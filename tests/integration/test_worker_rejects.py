"""Every reason code is produced by a real input, lands on alliance.rejected signed by the hub,
and leaves the worker running; a rejected signal causes no instruction."""

import dataclasses
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from kafka import KafkaProducer

from alliance_connector import (
    HUB_SIGNER,
    REJECTED_TOPIC,
    Identifier,
    IdentifierScheme,
    InstructionAck,
    Reason,
    SignalCategory,
    SignedEnvelope,
    SigningKey,
    acks_topic,
    catalog,
    open_verified,
    seal,
    signals_topic,
)
from alliance_connector.messages import AckStatus, CreditSignal
from alliance_connector.publisher import prepare_signal
from hub.ledger.verify import verify
from hub.store.member_standing import open_suspension
from hub.store.members import add_key, revoke_key
from hub.store.schema import accepted_signals, instructions, ledger, rejects
from tests.envelopes import resigned
from tests.integration.alliance import TOKEN_KEY, Alliance, RunningWorker, read_topic, wait_until

USCC = Identifier(IdentifierScheme.USCC, "91330100799655058B")
CATEGORY_LIMITED = [SignalCategory.PRESENCE, SignalCategory.FAKE_TRANSACTION]


def envelope_bytes(
    signal: CreditSignal, key: SigningKey, signer: str, issued_at: datetime | None = None
) -> bytes:
    schema = catalog().newest("CreditSignal")
    return seal(schema, signal.to_record(), signer, key, issued_at).to_bytes()


def test_every_reason_code_is_produced_and_the_worker_goes_on(alliance: Alliance) -> None:
    shop = alliance.join("shop", categories=CATEGORY_LIMITED)
    other = alliance.join("other")
    suspended = alliance.join("suspended")
    alliance.blacklist("entry-r", USCC)
    now = datetime.now(UTC)
    revoked, expired = SigningKey.generate(), SigningKey.generate()
    with alliance.engine.begin() as connection:
        add_key(connection, shop.id, revoked.verify_key, now - timedelta(days=2))
        revoke_key(connection, revoked.key_id, now - timedelta(hours=1))
        open_suspension(connection, suspended.id, "audit", "test", now - timedelta(hours=1))
        add_key(
            connection,
            shop.id,
            expired.verify_key,
            now - timedelta(days=2),
            now - timedelta(days=1),
        )

    def valid(category: SignalCategory = SignalCategory.FAKE_TRANSACTION) -> CreditSignal:
        return alliance.signal("shop", category, USCC)

    good = prepare_signal(valid(), shop.id, shop.key, TOKEN_KEY)[1]
    tampered = bytearray(good)
    tampered[60] ^= 0x01
    unknown_schema = resigned(_decode(good), shop.key, schema_fingerprint=b"\x11" * 32).to_bytes()
    clear_mobile = dataclasses.replace(
        valid(), subject=(Identifier(IdentifierScheme.MOBILE, "+8613812345678"),)
    )
    replayed = valid()
    ack_unknown = seal(
        catalog().newest("InstructionAck"),
        InstructionAck("ins-nope", shop.id, AckStatus.EXECUTED, now).to_record(),
        shop.id,
        shop.key,
    ).to_bytes()

    cases: list[tuple[str, bytes, Reason]] = [
        (signals_topic(shop.id), b"\x00" * 70_000, Reason.OVERSIZE),
        (
            signals_topic(suspended.id),
            envelope_bytes(
                alliance.signal("suspended", SignalCategory.FAKE_TRANSACTION, USCC),
                suspended.key,
                suspended.id,
            ),
            Reason.MEMBER_SUSPENDED,
        ),
        (signals_topic(shop.id), b"\x02garbage", Reason.DECODE_ERROR),
        (
            signals_topic(shop.id),
            envelope_bytes(valid(), other.key, other.id),
            Reason.SIGNER_TOPIC_MISMATCH,
        ),
        (
            signals_topic(shop.id),
            envelope_bytes(valid(), SigningKey.generate(), shop.id),
            Reason.UNKNOWN_KEY,
        ),
        (signals_topic(shop.id), envelope_bytes(valid(), revoked, shop.id), Reason.REVOKED_KEY),
        (signals_topic(shop.id), envelope_bytes(valid(), expired, shop.id), Reason.EXPIRED_KEY),
        (signals_topic(shop.id), bytes(tampered), Reason.BAD_SIGNATURE),
        (
            signals_topic(shop.id),
            envelope_bytes(valid(), shop.key, shop.id, now - timedelta(hours=1)),
            Reason.CLOCK_SKEW,
        ),
        (signals_topic(shop.id), unknown_schema, Reason.SCHEMA_UNKNOWN),
        (signals_topic(shop.id), ack_unknown, Reason.SCHEMA_UNKNOWN),  # an ack on a signals topic
        (
            signals_topic(shop.id),
            envelope_bytes(valid(SignalCategory.COUNTERFEIT), shop.key, shop.id),
            Reason.CATEGORY_NOT_ALLOWED,
        ),
        (
            signals_topic(shop.id),
            envelope_bytes(clear_mobile, shop.key, shop.id),
            Reason.INVALID_IDENTIFIER,
        ),
        (
            signals_topic(shop.id),
            envelope_bytes(dataclasses.replace(valid(), reporter=other.id), shop.key, shop.id),
            Reason.INVALID_FIELD,
        ),
        (signals_topic(shop.id), envelope_bytes(replayed, shop.key, shop.id), Reason.REPLAY),
        (acks_topic(shop.id), ack_unknown, Reason.UNKNOWN_INSTRUCTION),
    ]
    producer = KafkaProducer(
        bootstrap_servers=alliance.bootstrap, acks="all", max_request_size=200_000
    )
    # The first copy of `replayed` is accepted; the copy in `cases` is the replay.
    producer.send(signals_topic(shop.id), envelope_bytes(replayed, shop.key, shop.id)).get(30)
    for topic, value, _ in cases:
        producer.send(topic, value).get(30)

    with RunningWorker(alliance.worker()):
        wait_until(
            lambda: alliance.scalar(sa.select(sa.func.count()).select_from(rejects)) == len(cases),
            what="every bad record rejected",
        )
        # WRONG_MEMBER: the shop's presence earns it an instruction; the other member acks it.
        alliance.members["shop"].publisher.report(
            alliance.signal("shop", SignalCategory.PRESENCE, USCC)
        )
        wait_until(  # its PUBLIC_EXPOSURE waits for an operator
            lambda: alliance.scalar(sa.select(sa.func.count()).select_from(instructions)) == 1,
            what="RESTRICT_MEMBERSHIP for the shop",
        )
        ours = str(alliance.scalar(sa.select(instructions.c.instruction_id).limit(1)))
        foreign_ack = seal(
            catalog().newest("InstructionAck"),
            InstructionAck(ours, other.id, AckStatus.EXECUTED, datetime.now(UTC)).to_record(),
            other.id,
            other.key,
        ).to_bytes()
        producer.send(acks_topic(other.id), foreign_ack).get(30)
        wait_until(
            lambda: (
                alliance.scalar(sa.select(sa.func.count()).select_from(rejects)) == len(cases) + 1
            ),
            what="the foreign ack rejected",
        )
        # ACK_ALREADY_FINAL: the shop acks its instruction, then says something else.
        for status in (AckStatus.EXECUTED, AckStatus.REJECTED):
            own_ack = InstructionAck(ours, shop.id, status, datetime.now(UTC)).to_record()
            sealed = seal(catalog().newest("InstructionAck"), own_ack, shop.id, shop.key)
            producer.send(acks_topic(shop.id), sealed.to_bytes(), key=ours.encode()).get(30)
        wait_until(
            lambda: (
                alliance.scalar(sa.select(sa.func.count()).select_from(rejects)) == len(cases) + 2
            ),
            what="the second ack rejected",
        )
        # Still running: a valid signal after all that is accepted.
        alliance.members["shop"].publisher.report(valid())
        wait_until(
            lambda: alliance.scalar(sa.select(sa.func.count()).select_from(accepted_signals)) == 3,
            what="the last valid signal accepted",
        )
        wait_until(
            lambda: (
                alliance.scalar(
                    sa.select(sa.func.count())
                    .select_from(rejects)
                    .where(rejects.c.sent_at.is_(None))
                )
                == 0
            ),
            what="rejects published",
        )
    producer.close()

    expected = [reason for _, _, reason in cases] + [Reason.WRONG_MEMBER, Reason.ACK_ALREADY_FINAL]
    with alliance.engine.connect() as connection:
        stored = [
            Reason(r)
            for r in connection.scalars(sa.select(rejects.c.reason).order_by(rejects.c.reject_id))
        ]
        rejected_rows = connection.scalar(
            sa.select(sa.func.count()).select_from(ledger).where(ledger.c.reason.is_not(None))
        )
        assert verify(connection).ok
    assert sorted(stored) == sorted(expected)
    assert set(Reason) <= set(stored), set(Reason) - set(stored)  # every code exercised
    assert rejected_rows == len(expected)  # one ledger row per reject
    with alliance.engine.connect() as connection:
        kept = connection.execute(
            sa.select(rejects.c.reason, rejects.c.original).where(
                rejects.c.reason == "INVALID_IDENTIFIER"
            )
        ).all()
    # The clear mobile number that earned that reject is not kept by the hub.
    assert [bytes(original) for _, original in kept] == [b""]
    # Only the shop's PRESENCE produced instructions: the rejected signals named the same
    # blacklisted USCC and caused none.
    assert alliance.scalar(sa.select(sa.func.count()).select_from(instructions)) == 1

    # The topic is shared with every other test on this broker: read all of it.
    published = read_topic(alliance.bootstrap, REJECTED_TOPIC, 10**9, timeout_s=5)
    hub_key = alliance.hub_key.verify_key
    ours_published = []
    for value in published:
        try:
            opened = open_verified(value, lambda s, k: hub_key, HUB_SIGNER)
        except Exception:  # noqa: BLE001, S112 - other tests' hubs sign with other keys
            continue
        if opened.record["topic"].endswith((shop.id, other.id, suspended.id)):
            ours_published.append(Reason(opened.record["reason"]))
    assert sorted(ours_published) == sorted(expected)


def _decode(data: bytes) -> SignedEnvelope:
    from alliance_connector.envelope import decode_envelope

    return decode_envelope(data)
