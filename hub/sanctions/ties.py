"""The tie rule (docs/linking.md): a joint sanction at a member is issued only for the
identifiers that member itself tied to the listed subject, or tied through links an operator
confirmed. Another member's links never reach it: one member's word about another member's
customer sanctions no one.

A member's ties are the joining links it asserted itself (strong ones, and weak ones once
corroborated) plus every confirmed link; an identifier is tied when those links reach it from
one of the entry's own identifiers.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from alliance_connector.identifiers import Identifier
from hub.domain.links import OPERATOR, Edge, Key, LinkRow, joining_edges

__all__ = ["TieGraph", "presence_ties", "tie_graph"]


@dataclass(frozen=True)
class TieGraph:
    """The joining links of some clusters, each with the members whose own assertion of it
    counts (OPERATOR for a confirmed one)."""

    asserters: Mapping[Edge, frozenset[str]]

    def tied(self, start: Iterable[Key], member: str, wanted: Collection[Key]) -> set[Key]:
        """Those of `wanted` reachable from `start` over links `member` or an operator made."""
        neighbours: dict[Key, list[Key]] = defaultdict(list)
        for (a, b), by in self.asserters.items():
            if member in by or OPERATOR in by:
                neighbours[a].append(b)
                neighbours[b].append(a)
        seen = set(start)
        frontier = list(seen)
        while frontier:
            node = frontier.pop()
            for other in neighbours.get(node, ()):
                if other not in seen:
                    seen.add(other)
                    frontier.append(other)
        return seen & set(wanted)


def tie_graph(rows: Iterable[LinkRow], corroboration: int) -> TieGraph:
    """The graph of these assertions' joining links."""
    return TieGraph(joining_edges(rows, corroboration))


def presence_ties(
    graph: TieGraph, start: set[Key], presence: Mapping[str, Iterable[Identifier]]
) -> dict[str, set[Key]]:
    """member -> its presence identifiers tied to the entry (`start`: the entry's own
    identifiers) by its own or confirmed links; members with none left out."""
    ties = {}
    for member, known in presence.items():
        tied = graph.tied(start, member, {(str(i.scheme), i.value) for i in known})
        if tied:
            ties[member] = tied
    return ties
