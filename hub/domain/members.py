"""What kind of business a member is: the one list the policy and the members table both check
against, kept here so the policy need not reach up into the store for it."""

__all__ = ["MEMBER_KINDS", "RESERVED_MEMBER_IDS"]

MEMBER_KINDS = ("platform", "logistics", "other")

# Ids no member may take, beyond the wire contract's `hub`: a member's id is its broker user
# and the prefix of its consumer groups (`<id>.`), so `admin` (the local broker's super-user)
# would overwrite the hub's credential, and `alliance-hub` would own the prefix of the
# worker's group (`alliance-hub.worker`, HUB_WORKER_GROUP: keep it under this prefix).
# The hub's own configured broker user is refused too (hub.membership.lifecycle). `operator`
# asserts the links operators confirmed (hub.domain.links.OPERATOR): a member by that name
# would tie itself through every confirmed link.
RESERVED_MEMBER_IDS = frozenset({"hub", "admin", "alliance-hub", "operator"})
