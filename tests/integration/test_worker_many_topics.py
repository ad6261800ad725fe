"""Workers join their group on a broker with many topics. kafka-python fetches metadata of
every topic before each join of a pattern subscription and gives the join up when the poll's
timeout ends first; with ~1,000 topics and 50 ms polls two workers never settled (seen: 90 s
and still rebalancing) until the worker polled longer while it needs to rejoin."""

from collections.abc import Iterator

import pytest
from kafka.admin import NewTopic

from tests.integration.alliance import (
    Alliance,
    RunningWorker,
    wait_for_disjoint_assignments,
)

FILLER_TOPICS = 900


@pytest.fixture
def crowded(alliance: Alliance) -> Iterator[Alliance]:
    names = [f"{alliance.prefix}.filler.{n}" for n in range(FILLER_TOPICS)]
    for start in range(0, len(names), 100):
        alliance.admin.create_topics([NewTopic(n, 1, 1) for n in names[start : start + 100]])
    yield alliance
    for start in range(0, len(names), 100):
        alliance.admin.delete_topics(names[start : start + 100])


def test_two_workers_settle_on_a_broker_with_many_topics(crowded: Alliance) -> None:
    crowded.join("mall")
    crowded.join("social")
    first, second = crowded.worker(), crowded.worker()
    with RunningWorker(first), RunningWorker(second):
        wait_for_disjoint_assignments(first, second)
