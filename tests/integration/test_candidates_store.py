"""Empty-parcel correlation and listing candidates on PostgreSQL: the unit tests' core cases
(tests/unit/test_correlation.py, tests/unit/test_candidates.py), run again against a fresh
database of their own.

The cases are imported, not copied, so the two stores are held to the same assertions; each
case asks for an `engine`, and pytest gives it the one defined here (fixtures are looked up
from the module a test is collected in). PostgreSQL differs from SQLite where these functions
lean on the store: insert-or-ignore is ON CONFLICT over unnested arrays, datetimes come back
aware, the window comparisons run on timestamptz, and the review row lock is real.
"""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.store.engine import open_engine
from hub.store.migrate import upgrade
from tests.unit.test_candidates import (
    test_a_category_the_list_does_not_take_is_refused_before_anything_is_written,
    test_a_correlation_before_the_window_makes_none,
    test_a_decided_item_cannot_be_decided_again,
    test_a_parcel_correlation_in_the_window_makes_a_candidate,
    test_a_platform_and_a_carrier_on_the_same_waybills_make_a_candidate,
    test_a_stored_candidate_is_not_returned_again_in_any_state,
    test_a_watch_list_confirmation_issues_the_policys_instructions,
    test_confirming_lists_the_subject_as_an_alliance_entry,
    test_dismissing_records_the_decision_and_lists_nothing,
    test_many_clusters_take_one_query_and_four_when_one_qualifies,
    test_presence_and_reports_before_the_window_do_not_count,
    test_three_reporters_make_one_candidate,
    test_two_reporters_make_none_however_often_they_report,
)
from tests.unit.test_correlation import (
    test_a_batch_of_many_waybills_takes_a_few_statements,
    test_a_batch_rolled_back_and_replayed_makes_the_same_rows,
    test_a_member_on_both_sides_corroborates_nothing,
    test_a_repeated_call_returns_nothing_and_stores_nothing_twice,
    test_carrier_first_then_platform_makes_the_same_row,
    test_citations_of_one_batch_correlate_with_each_other,
    test_each_pair_of_signals_is_one_row_about_the_platform_signals_cluster,
    test_platform_first_then_carrier_makes_one_correlation,
    test_the_window_is_inclusive_at_its_edge,
)

__all__ = [
    "test_a_batch_of_many_waybills_takes_a_few_statements",
    "test_a_batch_rolled_back_and_replayed_makes_the_same_rows",
    "test_a_category_the_list_does_not_take_is_refused_before_anything_is_written",
    "test_a_correlation_before_the_window_makes_none",
    "test_a_decided_item_cannot_be_decided_again",
    "test_a_member_on_both_sides_corroborates_nothing",
    "test_a_parcel_correlation_in_the_window_makes_a_candidate",
    "test_a_platform_and_a_carrier_on_the_same_waybills_make_a_candidate",
    "test_a_repeated_call_returns_nothing_and_stores_nothing_twice",
    "test_a_stored_candidate_is_not_returned_again_in_any_state",
    "test_a_watch_list_confirmation_issues_the_policys_instructions",
    "test_carrier_first_then_platform_makes_the_same_row",
    "test_citations_of_one_batch_correlate_with_each_other",
    "test_confirming_lists_the_subject_as_an_alliance_entry",
    "test_dismissing_records_the_decision_and_lists_nothing",
    "test_each_pair_of_signals_is_one_row_about_the_platform_signals_cluster",
    "test_many_clusters_take_one_query_and_four_when_one_qualifies",
    "test_platform_first_then_carrier_makes_one_correlation",
    "test_presence_and_reports_before_the_window_do_not_count",
    "test_the_window_is_inclusive_at_its_edge",
    "test_three_reporters_make_one_candidate",
    "test_two_reporters_make_none_however_often_they_report",
]


@pytest.fixture
def engine(fresh_postgres_url: str) -> Iterator[sa.Engine]:
    engine = open_engine(fresh_postgres_url)
    upgrade(engine)
    assert engine.dialect.name == "postgresql"
    yield engine
    engine.dispose()
