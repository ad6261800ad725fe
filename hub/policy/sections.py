"""Which section of notice 2018-716 an instruction rests on, and so its `legal_basis`.

The policy's rules match on the entry's list and status, and the notice gives each of those
to one section: §4 while the subject is in its rectification period (整改, both lists; its last
paragraph has the alliance act on what platforms supplied), and for the key-attention list
(重点关注名单) in any status, which §5 does not reach; §5 for a blacklisted subject not
rectified in time (逾期未整改: OVERDUE, and ESCALATED after it). A LIFT rests on the section of
the entry's status when it is lifted: §4 once rectified or delisted, §5 when an escalation
replaces a sanction.
"""

from alliance_connector.messages import ListType
from hub.domain.lists import ListStatus

__all__ = ["SECTION_CHARS", "legal_basis", "notice_section"]

_OVERDUE = frozenset({ListStatus.OVERDUE, ListStatus.ESCALATED})

# What the section adds to the policy's citation (" §4"): the loader keeps room for it.
SECTION_CHARS = 3


def notice_section(list_type: ListType, status: ListStatus) -> str:
    """§5 for a blacklisted subject past its deadline, §4 for everything else."""
    return "§5" if list_type is ListType.BLACKLIST and status in _OVERDUE else "§4"


def legal_basis(citation: str, list_type: ListType, status: ListStatus) -> str:
    """The policy's citation of the notice with the section, e.g. '发改财金〔2018〕716号 §5'."""
    return f"{citation} {notice_section(list_type, status)}"
