"""The built-in policy, following NDRC notice 2018-716 §5 in its simplest form.

A blacklisted subject is restricted at every member where it is active, and its stores and
accounts there are blocked and frozen; a watch-listed subject's credit rating is lowered.
The lists issue replaces this with a validated, versioned policy file; its shape stays: entry
and presence in, actions out.
"""

from collections.abc import Set

from alliance_connector.identifiers import IdentifierScheme
from alliance_connector.messages import ListType, SanctionAction

__all__ = ["LEGAL_BASIS", "actions_for"]

LEGAL_BASIS = "发改财金〔2018〕716号 §5"


def actions_for(
    list_type: ListType, present_schemes: Set[IdentifierScheme]
) -> list[SanctionAction]:
    """The actions for a member where the subject holds identifiers of these schemes."""
    if list_type is ListType.WATCHLIST:
        return [SanctionAction.LOWER_CREDIT_RATING]
    actions = [SanctionAction.RESTRICT_MEMBERSHIP]
    if IdentifierScheme.STORE in present_schemes:
        actions.append(SanctionAction.BLOCK_STORE)
    if IdentifierScheme.ACCOUNT in present_schemes:
        actions.append(SanctionAction.FREEZE_ACCOUNT)
    return actions
