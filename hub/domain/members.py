"""What kind of business a member is: the one list the policy and the members table both check
against, kept here so the policy need not reach up into the store for it."""

__all__ = ["MEMBER_KINDS"]

MEMBER_KINDS = ("platform", "logistics", "other")
