"""A candidate policy comes over HTTP: however deep its TOML nests, loading refuses it with a
PolicyError naming where, never a RecursionError."""

import pytest

from hub.errors import PolicyError
from hub.policy.loading import MAX_NESTING, default_policy, load_policy_text


def test_nesting_too_deep_for_the_parser_is_a_policy_error() -> None:
    deep = "version = " + "[" * 500 + "]" * 500
    with pytest.raises(PolicyError) as refused:
        load_policy_text(deep, "candidate")
    assert refused.value.problems == [
        f"candidate: nested too deep to parse (a policy nests at most {MAX_NESTING} levels)"
    ]


def test_nesting_past_the_limit_is_refused_by_path() -> None:
    inline = "rules = [{name = " + "[" * 12 + '"x"' + "]" * 12 + "}]"
    with pytest.raises(PolicyError) as refused:
        load_policy_text(inline)
    # rules (1), its table (2), name (3) and five arrays in it reach the limit; the next is over.
    path = "rules[0].name" + "[0]" * 6
    assert refused.value.problems == [f"{path}: nested deeper than {MAX_NESTING} tables or arrays"]


def test_dotted_keys_count_as_nesting_too() -> None:
    with pytest.raises(PolicyError) as refused:
        load_policy_text("a." * 40 + "b = 1")
    assert refused.value.problems == [
        "a" + ".a" * MAX_NESTING + ": nested deeper than 8 tables or arrays"
    ]


def test_the_shipped_policy_is_well_within_the_limit() -> None:
    assert default_policy().rules  # loads: its deepest value, rules[i].actions[j], is 3 down
