"""Extraction: metadata, parties, dated events and quantities, on the seed and on built articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from shanhai.news.cleaning import ArticleError
from shanhai.news.events import find_events
from shanhai.news.extract import extract
from shanhai.news.parties import find_parties

pytestmark = pytest.mark.django_db  # parties are matched to the place registry

SEED = Path(__file__).resolve().parents[2] / "demo" / "data" / "songjiang-weixin-2023.txt"


@pytest.fixture
def seed() -> dict[str, Any]:
    return extract(SEED.read_bytes()).as_json()


def _events(found: dict[str, Any]) -> set[tuple[str, str]]:
    return {(event["date"], event["kind"]) for event in found["events"]}


def test_the_seed_gives_its_metadata(seed: dict[str, Any]) -> None:
    assert seed["title"] == "云南威信:东西部协作强对接 筑牢“山海盟”"
    assert (
        seed["publish_date"] == "2023-08-20"
    )  # the page's date line, not 8月15日 of a related item
    assert seed["source"] == "精选热点资讯"
    assert seed["author"] == "铁璘琪"


def test_the_seed_names_songjiang_and_weixin_as_the_parties(seed: dict[str, Any]) -> None:
    assert seed["east"] == ["松江区"]
    assert seed["west"] == ["威信县"]


def test_the_seed_gives_its_dated_events(seed: dict[str, Any]) -> None:
    events = _events(seed)
    assert ("2023-03-10", "meeting") in events
    assert ("2023-06-28", "agreement") in events
    assert ("2022-07", "visit") in events
    assert ("2022-07", "agreement") in events
    assert ("2022-08-22", "training") in events
    assert ("2023-06", "donation") in events
    # 2021年以来 and 2021年到2023年 are spans, not events.
    assert not any(event["date"] == "2021" and event["kind"] != "other" for event in seed["events"])
    summaries = " ".join(event["summary"] for event in seed["events"])
    assert "座谈会" in summaries
    assert "2023年3月10日" not in summaries


def test_the_seed_gives_its_quantities(seed: dict[str, Any]) -> None:
    found = {(q["text"], q["value"], q["qualifier"]) for q in seed["quantities"]}
    for expected in [
        ("4次", 4, "exact"),
        ("3次", 3, "exact"),
        ("9个", 9, "exact"),
        ("60余次", 60, "more_than"),
        ("61名", 61, "exact"),
        ("5名", 5, "exact"),
        ("4名", 4, "exact"),
        ("四辆", 4, "exact"),
        ("上千人", 1000, "more_than"),
    ]:
        assert expected in found
    assert all(q["text"] in seed["text"] for q in seed["quantities"])
    assert not any(q["text"].startswith("千亩") for q in seed["quantities"])


def test_the_json_has_exactly_the_documented_keys(seed: dict[str, Any]) -> None:
    assert list(seed) == [
        "title",
        "publish_date",
        "source",
        "author",
        "text",
        "east",
        "west",
        "events",
        "quantities",
    ]
    assert set(seed["events"][0]) == {"date", "kind", "summary"}
    assert set(seed["quantities"][0]) == {"text", "value", "unit", "qualifier", "category"}


ARTICLE = """余杭从江携手推进东西部协作_黔东南新闻网
发布时间：2024年5月12日 09:30 来源：黔东南日报
本报讯（记者 张丽华 通讯员 吴明）昨天上午，杭州市余杭区党政代表团一行来到从江县，考察茶产业基地。
2023年4月12日至14日，从江县党政代表团赴余杭区考察，并签订了《劳务协作框架协议》。
今年3月，余杭区向从江县捐赠价值300余万元的医疗设备。去年8月，两地联合举办乡村振兴培训班，培训村干部120名。
全县人口30万，2023年GDP增长5%。余杭区自2021年以来累计投入财政援助资金2.1亿元。
2023年11月，从江香猪展销会在杭州开幕。
编辑：陈晓
"""


def test_a_built_article_with_relative_dates_and_a_byline() -> None:
    found = extract(ARTICLE)
    assert found.title == "余杭从江携手推进东西部协作"
    assert found.publish_date == date(2024, 5, 12)
    assert found.source == "黔东南日报"
    assert found.author == "张丽华 吴明"  # the editor 陈晓 is not an author
    assert [p.name for p in found.east] == ["余杭区"]
    assert [p.name for p in found.west] == ["从江县"]
    events = {(e.date.iso(), e.kind) for e in found.events}
    assert ("2024-05-11", "visit") in events  # 昨天, against the publish date
    assert ("2023-04-12", "visit") in events  # a three-day visit, by its first day
    assert ("2023-04-12", "agreement") in events
    assert ("2024-03", "donation") in events  # 今年3月
    assert ("2023-08", "training") in events  # 去年8月
    assert ("2023-11", "sales_event") in events
    assert not any(e.date.iso().startswith("2021") for e in found.events)  # 自2021年以来
    values = {q.text: (q.value, q.qualifier) for q in found.quantities}
    assert values["300余万元"] == (Decimal(3_000_000), "more_than")
    assert values["120名"] == (Decimal(120), "exact")
    assert values["2.1亿元"] == (Decimal(210_000_000), "exact")
    assert not any("30万" in text for text in values)  # background statistics of the county


def test_relative_dates_need_a_publish_date() -> None:
    assert find_events("昨天，两地签订合作协议。", published=None) == []
    (event,) = find_events("昨天，两地签订合作协议。", published=date(2024, 1, 1))
    assert event.date.iso() == "2023-12-31"


def test_a_day_without_a_year_is_never_after_the_publish_date() -> None:
    (event,) = find_events("12月5日，宁波市代表团赴凉山州考察。", published=date(2024, 3, 1))
    assert event.date.iso() == "2023-12-05"


def test_a_month_without_a_year_takes_the_year_written_before_it() -> None:
    text = "2022年7月，双方签订协议。8月22日，主播指导群众直播带货。"
    events = find_events(text, published=date(2023, 8, 20))
    assert [(e.date.iso(), e.kind) for e in events] == [
        ("2022-07", "agreement"),
        ("2022-08-22", "training"),
    ]


def test_chinese_numeral_dates() -> None:
    (event,) = find_events("二〇二三年三月十日，两地召开联席会议。", published=None)
    assert event.date.iso() == "2023-03-10"


def test_tallies_and_spans_are_not_events() -> None:
    text = (
        "2021年以来，累计派出教师50名。截至2023年6月底，共培训1200人次。2021年到2023年，成果丰硕。"
    )
    assert find_events(text, published=date(2023, 8, 1)) == []


def test_short_names_inside_words_are_not_places() -> None:
    # 真金白银 holds 白银 (a city in Gansu) but names no place.
    parties = find_parties("松江区投入真金白银，对威信县真帮实扶。松江区与威信县携手。")
    assert [p.name for p in parties["east"]] == ["松江区"]
    assert [p.name for p in parties["west"]] == ["威信县"]


def test_a_prefecture_is_named_as_the_article_writes_it() -> None:
    text = "宁波市与凉山州深化东西部协作。宁波市北仑区援助凉山州布拖县。宁波市、凉山州两地……"
    parties = find_parties(text)
    assert next(p.name for p in parties["east"]) == "宁波市"
    assert next(p.name for p in parties["west"]) == "凉山州"


def test_an_article_cut_off_mid_sentence_still_extracts() -> None:
    found = extract("2023年4月12日，福州市代表团赴宁夏固原市考察，并签订协议，捐赠资金50")
    assert ("2023-04-12", "visit") in {(e.date.iso(), e.kind) for e in found.events}
    assert found.publish_date is None


def test_gbk_input_is_read() -> None:
    found = extract("2023年6月28日，松江区与威信县签订劳务协作计划。".encode("gbk"))
    assert [(e.date.iso(), e.kind) for e in found.events] == [("2023-06-28", "agreement")]


@pytest.mark.parametrize("data", [b"", b"   \n ", "\u3000\n".encode()])
def test_an_empty_article_is_refused(data: bytes) -> None:
    with pytest.raises(ArticleError):
        extract(data)


def test_the_command_prints_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("news", "extract", str(SEED), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["publish_date"] == "2023-08-20"
    assert printed["west"] == ["威信县"]


def test_the_command_fails_clearly_on_an_unreadable_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    done = subprocess.run(  # noqa: S603 (our own interpreter and a temporary file)
        [sys.executable, "-m", "django", "news", "extract", str(empty), "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 2
    assert done.stdout == ""  # no half JSON on standard output
    assert "empty" in done.stderr
