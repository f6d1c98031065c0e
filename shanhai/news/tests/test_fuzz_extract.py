"""Whatever text or bytes are pasted in, extraction gives facts or an ArticleError saying why.

Generated input: arbitrary text and bytes, HTML-ish fragments, and articles assembled from
the phrases real reports use. See core/tests/fuzzing.py for how many examples run.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shanhai.core.tests.fuzzing import fuzzed
from shanhai.news.cleaning import ArticleError
from shanhai.news.events import find_events
from shanhai.news.extract import EVENT_KINDS, extract

pytestmark = pytest.mark.django_db  # parties are matched to the place registry

CODES = {"empty", "binary", "encoding", "control", "no_text"}
PHRASES = [
    "松江区",
    "威信县",
    "麟凤镇",
    "上海市",
    "云南省昭通市",
    "考察调研",
    "签订协议",
    "召开联席会议",
    "捐赠",
    "举办培训班",
    "2023年",
    "6月28日",
    "六月二十八日",
    "今年",
    "去年",
    "明年",
    "本月",
    "昨天",
    "3.2万元",
    "61人",
    "1.5亿元",
    "百分之三十",
    "约200余人次",
    "，",
    "。",
    "\n",
    "\n\n",
    "<p>",
    "</p>",
    "<script>alert(1)</script>",
    "发布时间：2023-08-20",
    "来源：精选热点资讯",
    "作者：铁璘琪",
    "(pīn yīn)",
    "锟斤拷",
    "\u200b",
    "\x00",
    "\x07",
]


def says_why(error: ArticleError) -> None:
    assert error.code in CODES
    assert str(error).strip()


articles = st.lists(st.sampled_from(PHRASES), max_size=60).map("".join)
inputs = st.one_of(articles, st.text(max_size=400), st.binary(max_size=400))


@fuzzed(150)
@given(data=inputs)
@example(data=b"\xff\xfe" + "松江区".encode("utf-16-le"))
@example(data="<html><body>" * 200)
@example(data="2023年" * 500)
def test_any_input_gives_facts_that_point_into_the_text_or_an_article_error(data):
    try:
        found = extract(data)
    except ArticleError as error:
        says_why(error)
        return
    text = found.text
    json.dumps(found.as_json(), ensure_ascii=False)
    for event in found.events:
        assert event.kind in EVENT_KINDS
        assert 0 <= event.start <= event.date_start <= event.date_end <= event.end <= len(text)
        event.date.first_day  # a real date  # noqa: B018
    for quantity in found.quantities:
        assert quantity.value >= 0
    assert all(party.side in ("east", "west") for party in found.east + found.west)


# Phrases that state no year: each date they give is read in the publish year or the one
# before, never after the article was published.
UNDATED = ["6月28日", "12月31日", "1月1日", "六月二十八日", "十二月", "3月", "昨天", "前天"]
WHAT = ["，两地签订协议。", "，松江区考察调研威信县。", "，召开联席会议。", "，举办培训班。"]


@fuzzed(300)
@given(
    parts=st.lists(st.tuples(st.sampled_from(UNDATED), st.sampled_from(WHAT)), min_size=1),
    published=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
@example(  # found by fuzzing: 6月28日 took the year 1月1日 was given, after the publish date
    parts=[("1月1日", "，两地签订协议。"), ("6月28日", "，两地签订协议。")],
    published=date(2000, 1, 1),
)
def test_a_date_without_its_year_is_never_after_the_publish_date(parts, published):
    text = "".join(when + what for when, what in parts)

    events = find_events(text, published=published)

    assert events
    assert all(event.date.first_day <= published for event in events)
