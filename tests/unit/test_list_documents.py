"""The printable 整改通知书 and 信用承诺书 say what the notice requires and leak nothing."""

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from alliance_connector.identifiers import Identifier, IdentifierScheme, uscc_check_character
from alliance_connector.messages import ListType, SignalCategory
from hub.domain.categories import CATEGORY_NAMES
from hub.domain.lists import ListEntry
from hub.lists.documents import (
    LIST_TYPE_NAMES,
    render_credit_commitment,
    render_rectification_notice,
)

USCC = "91330100MA27XY812" + uscc_check_character("91330100MA27XY812")
RESIDENT_TOKEN = "tk1:" + "5e" * 32
MOBILE_TOKEN = "tk1:" + "a7" * 32
ACCOUNT_TOKEN = "tk1:" + "0c" * 32
# 2026-11-27 20:00 UTC is already 28 November in China.
DEADLINE = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 28 Nov 04:00 in China: still the 28th

ENTRY = ListEntry(
    entry_id="entry-2026-0042",
    list_type=ListType.BLACKLIST,
    category=SignalCategory.FAKE_TRANSACTION,
    subject_name="杭州某某电子商务有限公司",
    identifiers=(
        Identifier(IdentifierScheme.USCC, USCC),
        Identifier(IdentifierScheme.STORE, "shop-a:store:42"),
        Identifier(IdentifierScheme.RESIDENT_ID, RESIDENT_TOKEN),
        Identifier(IdentifierScheme.MOBILE, MOBILE_TOKEN),
        Identifier(IdentifierScheme.ACCOUNT, ACCOUNT_TOKEN),
    ),
    authority="浙江省发展改革委",
    document_no="浙发改财金〔2026〕12号",
    province="浙江省",
    city="杭州市",
    # 16:30 UTC on 27 August is 28 August in China.
    listed_at=datetime(2026, 8, 27, 16, 30, tzinfo=UTC),
)

Render = Callable[[ListEntry], str]


def _notice(entry: ListEntry) -> str:
    return render_rectification_notice(entry, DEADLINE, issued_on=date(2026, 9, 1))


def _commitment(entry: ListEntry) -> str:
    return render_credit_commitment(entry, DEADLINE)


BOTH = pytest.mark.parametrize("render", [_notice, _commitment], ids=["notice", "commitment"])


def test_every_listable_category_and_list_has_a_chinese_name() -> None:
    listable = set(SignalCategory) - {SignalCategory.PRESENCE}
    assert listable <= CATEGORY_NAMES.keys()
    assert all(CATEGORY_NAMES[category] for category in listable)
    assert LIST_TYPE_NAMES == {ListType.BLACKLIST: "黑名单", ListType.WATCHLIST: "重点关注名单"}


def test_notice_names_subject_list_category_dates_and_issuer() -> None:
    html = _notice(ENTRY)
    assert "<h1>整改通知书</h1>" in html
    assert "杭州某某电子商务有限公司：" in html
    assert "依据：浙江省发展改革委（浙发改财金〔2026〕12号）" in html
    assert "刷单炒信失信行为，已于2026年8月28日被列入电子商务领域黑名单" in html
    assert "整改期限至2026年11月28日" in html
    assert "信用承诺书" in html
    assert "整改材料" in html
    assert "电子商务领域反炒信联盟<br>2026年9月1日" in html


def test_notice_for_blacklist_spells_out_section_5_sanctions() -> None:
    html = _notice(ENTRY)
    for measure in ("限制入驻会员", "降低信用等级", "屏蔽或关闭店铺", "封号封账", "公开曝光"):
        assert measure in html
    assert "地方信用网站公布" in html


def test_notice_for_watchlist_threatens_only_publication() -> None:
    watched = dataclasses.replace(
        ENTRY, list_type=ListType.WATCHLIST, category=SignalCategory.FALSE_ADVERTISING
    )
    html = _notice(watched)
    assert "虚假宣传失信行为，已于2026年8月28日被列入电子商务领域重点关注名单" in html
    assert "地方信用网站公布" in html
    assert "封号封账" not in html
    assert "黑名单" not in html


def test_notice_asks_court_listed_subjects_to_meet_their_obligations() -> None:
    defaulter = dataclasses.replace(ENTRY, category=SignalCategory.JUDGMENT_DEFAULTER)
    assert "与申请执行人达成和解协议" in _notice(defaulter)
    assert "与申请执行人达成和解协议" not in _notice(ENTRY)


def test_notice_uses_the_given_issuer() -> None:
    html = render_rectification_notice(ENTRY, DEADLINE, date(2026, 9, 1), issuer="浙江省反炒信联盟")
    assert "浙江省反炒信联盟<br>2026年9月1日" in html
    assert "电子商务领域反炒信联盟" not in html


def test_commitment_binds_subject_to_deadline_with_blanks_to_sign() -> None:
    html = _commitment(ENTRY)
    assert "<h1>信用承诺书</h1>" in html
    assert "承诺人：杭州某某电子商务有限公司" in html
    assert "刷单炒信失信行为，经浙江省发展改革委认定（浙发改财金〔2026〕12号）" in html
    assert "于2026年8月28日被列入电子商务领域黑名单" in html
    assert "于2026年11月28日前整改到位" in html
    assert "自愿接受电子商务领域反炒信联盟" in html
    assert "封号封账" in html
    assert "承诺人（签字/盖章）：" in html
    assert 'class="blank short"></span>年' in html


@BOTH
def test_subject_name_is_escaped(render: Render) -> None:
    html = render(dataclasses.replace(ENTRY, subject_name="<script>alert(1)</script>"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@BOTH
def test_public_identifiers_shown_personal_tokens_withheld(render: Render) -> None:
    html = render(ENTRY)
    assert f"统一社会信用代码：{USCC}" in html
    assert "店铺：shop-a:store:42" in html
    for label in ("身份证号", "手机号码", "账号"):
        assert f"{label}（已脱敏，不予显示）" in html
    for token in (RESIDENT_TOKEN, MOBILE_TOKEN, ACCOUNT_TOKEN):
        assert token.removeprefix("tk1:") not in html


@BOTH
def test_page_is_self_contained_a4_chinese(render: Render) -> None:
    html = render(ENTRY)
    assert html.startswith('<!doctype html>\n<html lang="zh-CN">')
    assert '<meta charset="utf-8">' in html
    assert "size: A4" in html
    assert "serif;" in html
    for external in ("http", "//", "url(", "@import", "<link", "<script"):
        assert external not in html


@BOTH
def test_naive_datetimes_are_refused(render: Render) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render(dataclasses.replace(ENTRY, listed_at=datetime(2026, 8, 28, 9, 0)))


@BOTH
def test_presence_is_not_a_listable_category(render: Render) -> None:
    with pytest.raises(ValueError, match="PRESENCE"):
        render(dataclasses.replace(ENTRY, category=SignalCategory.PRESENCE))


def test_a_deadline_at_midnight_prints_the_last_day_left_to_rectify() -> None:
    midnight = datetime(2026, 11, 28, 0, 0, tzinfo=timezone(timedelta(hours=8)))
    html = render_rectification_notice(ENTRY, midnight, date(2026, 9, 1))
    assert "整改期限至2026年11月27日" in html  # overdue from the first moment of the 28th
