"""A member's place on the broker: its three topics, its SCRAM-SHA-256 credential, its ACLs.

`provision` makes the broker match what the hub's record of the member says, idempotently, and
reports each step; `broker_drift` only compares and says what differs. Both read the same
expectations (`hub.kafka.topics.member_topics`, `hub.kafka.acls.member_acls`), so what is
created is what is checked. A suspended member keeps its topics, credential and read ACLs and
loses its write ACLs; a removed one loses its credential and every ACL, and keeps its topics
(what they hold ages out with their retention; deleting them would also delete evidence not
yet read).
"""

import secrets
from dataclasses import dataclass

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ConfigResource,
    ConfigResourceType,
    KafkaAdminClient,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from alliance_connector.topics import MemberId
from hub.kafka.acls import member_acls, member_principal
from hub.kafka.clients import broker_errors
from hub.kafka.topics import TopicSpec, ensure_topics, member_topics

__all__ = [
    "BrokerState",
    "Step",
    "broker_drift",
    "deprovision",
    "provision",
]

# What the broker should hold for a member, by the member's standing.
BrokerState = str  # "active" | "suspended" | "removed"

# resource type, name, pattern type, operation, host, permission: an ACL for one host, or a
# DENY, is another rule than the ALLOW for every host the hub grants, and shows as extra.
AclKey = tuple[int, str, int, int, str, int]


@dataclass(frozen=True)
class Step:
    """One thing provisioning did or found: `what` it is about, and the `outcome`."""

    what: str
    outcome: str


def _key(acl: ACL) -> AclKey:
    pattern = acl.resource_pattern
    return (
        int(pattern.resource_type),
        str(pattern.resource_name),
        int(pattern.pattern_type),
        int(acl.operation),
        str(acl.host),
        int(acl.permission_type),
    )


def _wanted_acls(member: MemberId, state: BrokerState) -> dict[AclKey, ACL]:
    if state == "removed":
        return {}
    wanted = member_acls(member)
    if state == "suspended":
        wanted = [acl for acl in wanted if acl.operation != ACLOperation.WRITE]
    return {_key(acl): acl for acl in wanted}


def _present_acls(admin: KafkaAdminClient, member: MemberId) -> dict[AclKey, ACL]:
    any_resource = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)
    found, _error = admin.describe_acls(
        ACLFilter(
            principal=member_principal(member),
            host=None,  # any host: a rule for one host is the member's too
            operation=ACLOperation.ANY,
            permission_type=ACLPermissionType.ANY,
            resource_pattern=any_resource,
        )
    )
    return {_key(acl): acl for acl in found}


def _has_credential(admin: KafkaAdminClient, member: MemberId) -> bool:
    answer = admin.describe_user_scram_credentials([member]).get(member, {})
    return any(
        info.get("mechanism") == ScramMechanism.SCRAM_SHA_256
        for info in answer.get("credential_infos", [])
    )


def _topic_problems(admin: KafkaAdminClient, specs: list[TopicSpec]) -> dict[str, str]:
    """Each member topic that is missing, or lacks a partition or a setting the hub gives it."""
    problems: dict[str, str] = {}
    described = {t["name"]: t for t in admin.describe_topics([s.name for s in specs])}
    existing = [s for s in specs if described.get(s.name, {}).get("error_code") == 0]
    for spec in specs:
        if spec not in existing:
            problems[spec.name] = "missing"
        elif len(described[spec.name]["partitions"]) < spec.partitions:
            problems[spec.name] = f"fewer than {spec.partitions} partitions"
    if existing:
        resources = [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in existing]
        configs = admin.describe_configs(resources, config_filter="all")["topic"]
        for spec in existing:
            held = configs.get(spec.name, {})
            for name, value in spec.configs.items():
                if held.get(name, {}).get("value") != value:
                    problems.setdefault(spec.name, f"{name} is not {value}")
    return problems


def broker_drift(
    admin: KafkaAdminClient, member: MemberId, state: BrokerState, confined: bool = True
) -> list[str]:
    """What the broker holds for `member` that differs from its record; empty when it
    matches. Each problem names the topic, credential or ACL, never a secret. Unconfined (a
    PLAINTEXT development broker has no credentials or ACLs) only the topics are compared."""
    with broker_errors(f"could not read {member}'s place on the broker"):
        problems = [
            f"topic {name}: {problem}"
            for name, problem in _topic_problems(admin, member_topics(member)).items()
            if state != "removed"
        ]
        if not confined:
            return problems
        credential = _has_credential(admin, member)
        wanted, present = _wanted_acls(member, state), _present_acls(admin, member)
    if state != "removed" and not credential:
        problems.append("SCRAM-SHA-256 credential: missing")
    if state == "removed" and credential:
        problems.append("SCRAM-SHA-256 credential: still present after removal")
    problems += [f"ACL missing: {_describe(acl)}" for k, acl in wanted.items() if k not in present]
    problems += [f"ACL extra: {_describe(acl)}" for k, acl in present.items() if k not in wanted]
    return problems


def _describe(acl: ACL) -> str:
    pattern = acl.resource_pattern
    kind = "prefix " if pattern.pattern_type == ACLResourcePatternType.PREFIXED else ""
    resource = pattern.resource_type.name.lower()
    return f"{acl.operation.name} on {resource} {kind}{pattern.resource_name}"


def _set_acls(admin: KafkaAdminClient, member: MemberId, state: BrokerState) -> list[Step]:
    wanted, present = _wanted_acls(member, state), _present_acls(admin, member)
    missing = [acl for key, acl in wanted.items() if key not in present]
    extra = [acl for key, acl in present.items() if key not in wanted]
    steps = []
    if missing:
        result = admin.create_acls(missing)
        if result["failed"]:
            failed = ", ".join(_describe(acl) for acl, _ in result["failed"])
            return [Step("ACLs", f"refused by the broker: {failed}")]
        steps.append(Step("ACLs", "granted " + ", ".join(_describe(a) for a in missing)))
    if extra:
        admin.delete_acls([_filter_for(acl) for acl in extra])
        steps.append(Step("ACLs", "removed " + ", ".join(_describe(a) for a in extra)))
    return steps or [Step("ACLs", f"as they should be ({len(wanted)})")]


def _filter_for(acl: ACL) -> ACLFilter:
    pattern = acl.resource_pattern
    return ACLFilter(
        principal=acl.principal,
        host=acl.host,
        operation=acl.operation,
        permission_type=acl.permission_type,
        resource_pattern=ResourcePatternFilter(
            pattern.resource_type, pattern.resource_name, pattern.pattern_type
        ),
    )


def _set_topics(admin: KafkaAdminClient, specs: list[TopicSpec]) -> list[Step]:
    problems = _topic_problems(admin, specs)
    missing = [s for s in specs if problems.get(s.name) == "missing"]
    if missing:
        ensure_topics(admin, missing)
    steps = [Step(f"topic {s.name}", "created") for s in missing]
    misconfigured = [s for s in specs if s.name in problems and s not in missing]
    if misconfigured:
        admin.alter_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, s.name, configs=s.configs)
                for s in misconfigured
            ],
            incremental=True,
        )
    for spec in misconfigured:
        steps.append(Step(f"topic {spec.name}", f"{problems[spec.name]}: settings set again"))
    present = [s for s in specs if s.name not in problems]
    return steps + [Step(f"topic {s.name}", "present, as it should be") for s in present]


def provision(
    admin: KafkaAdminClient,
    member: MemberId,
    state: BrokerState = "active",
    password: str | None = None,
    confined: bool = True,
    create_credential: bool = True,
) -> tuple[list[Step], str | None]:
    """Make the broker hold what `member` in `state` should have. Returns the steps and the
    credential's password when this call set one: the given `password`, or a new random one
    when the member had no credential (it is never stored: show it once). An existing
    credential is left alone unless a password is given. Unconfined, only the topics. Without
    `create_credential` (a suspension, a resumption) a missing credential is reported, not
    made: a password nobody is shown would lock the member out unseen."""
    if state == "removed":
        return (deprovision(admin, member) if confined else []), None
    chosen: str | None = None
    with broker_errors(f"could not provision {member} on the broker"):
        steps = _set_topics(admin, member_topics(member))
        if not confined:
            unused = "not used: the broker runs without authentication (PLAINTEXT)"
            return steps + [Step("SCRAM-SHA-256 credential and ACLs", unused)], None
        present = _has_credential(admin, member)
        if not present and password is None and not create_credential:
            steps.append(Step("SCRAM-SHA-256 credential", "missing: mend the member to create it"))
        elif password is not None or not present:
            chosen = password if password is not None else secrets.token_urlsafe(24)
            admin.alter_user_scram_credentials(
                [UserScramCredentialUpsertion(member, ScramMechanism.SCRAM_SHA_256, chosen)]
            )
            given = "set to the password supplied" if password is not None else "created"
            steps.append(Step("SCRAM-SHA-256 credential", given))
        else:
            steps.append(Step("SCRAM-SHA-256 credential", "present, left as it is"))
        steps += _set_acls(admin, member, state)
    return steps, chosen


def deprovision(admin: KafkaAdminClient, member: MemberId) -> list[Step]:
    """A removed member: every ACL and the credential go; the topics stay (see the module)."""
    with broker_errors(f"could not remove {member} from the broker"):
        steps = _set_acls(admin, member, "removed")
        if _has_credential(admin, member):
            admin.alter_user_scram_credentials(
                [UserScramCredentialDeletion(member, ScramMechanism.SCRAM_SHA_256)]
            )
            steps.append(Step("SCRAM-SHA-256 credential", "deleted"))
        else:
            steps.append(Step("SCRAM-SHA-256 credential", "absent already"))
    return steps + [Step("topics", "kept: their records age out with their retention")]
