import pytest

from alliance_connector.errors import InvalidMemberId
from alliance_connector.topics import (
    acks_topic,
    instructions_topic,
    member_id,
    signals_topic,
)
from hub.kafka.acls import member_acls
from hub.kafka.topics import member_topics


@pytest.mark.parametrize("value", ["taobao", "jd-com", "sf-express-2", "a"])
def test_valid_member_ids(value: str) -> None:
    assert member_id(value) == value


@pytest.mark.parametrize(
    "value", ["", "Taobao", "jd.com", "jd_com", "-jd", "jd-", "x" * 64, "京东", "a b"]
)
def test_invalid_member_ids_name_the_rule_and_length_not_the_value(value: str) -> None:
    with pytest.raises(InvalidMemberId) as raised:
        member_id(value)
    assert "lower-case" in str(raised.value) and f"{len(value)} characters" in str(raised.value)
    assert raised.value.value == value
    assert not value or repr(value) not in str(raised.value)


def test_member_topics_are_named_after_the_member() -> None:
    member = member_id("pdd")
    assert [spec.name for spec in member_topics(member)] == [
        "alliance.signals.pdd",
        "alliance.instructions.pdd",
        "alliance.acks.pdd",
    ]
    assert signals_topic(member) == "alliance.signals.pdd"
    assert instructions_topic(member) == "alliance.instructions.pdd"
    assert acks_topic(member) == "alliance.acks.pdd"


def test_member_acls_allow_only_own_topics_and_groups() -> None:
    acls = member_acls(member_id("pdd"))
    grants = {(acl.resource_pattern.resource_name, acl.operation.name) for acl in acls}
    assert grants == {
        ("alliance.signals.pdd", "WRITE"),
        ("alliance.signals.pdd", "DESCRIBE"),
        ("alliance.acks.pdd", "WRITE"),
        ("alliance.acks.pdd", "DESCRIBE"),
        ("alliance.instructions.pdd", "READ"),
        ("alliance.instructions.pdd", "DESCRIBE"),
        ("alliance.ledger.heads", "READ"),
        ("alliance.ledger.heads", "DESCRIBE"),
        ("pdd.", "READ"),
    }
    assert {acl.principal for acl in acls} == {"User:pdd"}
    assert {acl.permission_type.name for acl in acls} == {"ALLOW"}
