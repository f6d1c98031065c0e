from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanhai.news.cleaning import clean
from shanhai.news.quantities import CATEGORIES, QUALIFIERS, Quantity, extract_quantities

SEED = Path(__file__).resolve().parents[2] / "demo" / "data" / "songjiang-weixin-2023.txt"


@cache
def seed_text() -> str:
    return clean(SEED.read_bytes()).text


def found(text: str) -> list[tuple[str, Decimal, str, str, str]]:
    return [(q.text, q.value, q.unit, q.qualifier, q.category) for q in extract_quantities(text)]


def quantities_after(text: str, marker: str) -> list[Quantity]:
    offset = text.index(marker)
    return [q for q in extract_quantities(text) if q.start >= offset]


def test_the_seed_gives_the_visits_and_symposiums_as_4_4_and_3_exchanges() -> None:
    visits = [q for q in extract_quantities(seed_text()) if q.unit == "次" and q.value < 10]
    assert [(q.text, q.value, q.category) for q in visits] == [
        ("4次", Decimal(4), "exchange"),
        ("4次", Decimal(4), "exchange"),
        ("3次", Decimal(3), "exchange"),
    ]


def test_the_seed_gives_9_town_pairings() -> None:
    text = seed_text()
    towns = [q for q in extract_quantities(text) if text[q.start :].startswith("9个乡镇")]
    assert [(q.text, q.value, q.unit) for q in towns] == [("9个", Decimal(9), "个")]


def test_the_seed_gives_more_than_60_exchanges() -> None:
    assert ("60余次", Decimal(60), "次", "more_than", "exchange") in found(seed_text())


def test_the_seed_gives_61_medical_staff() -> None:
    assert ("61名", Decimal(61), "名", "exact", "medical") in found(seed_text())


def test_the_seed_gives_5_and_4_teachers() -> None:
    teachers = [q for q in extract_quantities(seed_text()) if q.category == "education"]
    assert [(q.text, q.value, q.unit) for q in teachers] == [
        ("5名", Decimal(5), "名"),
        ("4名", Decimal(4), "名"),
    ]


def test_the_seed_gives_4_vehicles_written_in_chinese() -> None:
    vehicles = [q for q in extract_quantities(seed_text()) if q.unit == "辆"]
    assert [(q.text, q.value, q.qualifier) for q in vehicles] == [("四辆", Decimal(4), "exact")]


def test_the_seed_gives_more_than_a_thousand_workers() -> None:
    assert ("上千人", Decimal(1000), "人", "more_than", "labor") in found(seed_text())


def test_the_seed_gives_no_dates_and_nothing_inside_the_kiwi_base() -> None:
    text = seed_text()
    quantities = extract_quantities(text)
    base = text.index("千亩猕猴桃示范基地")
    assert not [q for q in quantities if "年" in q.text or "月" in q.text or "日" in q.text]
    assert not [q for q in quantities if base <= q.start < base + len("千亩猕猴桃示范基地")]
    assert all(q.text != "2023年" for q in quantities)


def test_every_quantity_in_the_seed_stands_at_its_offset() -> None:
    text = seed_text()
    for q in extract_quantities(text):
        assert text[q.start : q.start + len(q.text)] == q.text
        assert q.qualifier in QUALIFIERS
        assert q.category in CATEGORIES


def test_funds_in_wan_are_multiplied_out() -> None:
    text = "杭州市向恩施州拨付援助资金3.2万元，用于产业发展。"
    assert found(text) == [("3.2万元", Decimal(32000), "万元", "exact", "funds")]


def test_near_two_hundred_workers_is_about_and_labor() -> None:
    assert found("宁波市帮助黔西南州近200名劳动力实现转移就业。") == [
        ("近200名", Decimal(200), "名", "about", "labor")
    ]


def test_more_than_ten_million_yuan_is_more_than() -> None:
    assert found("三年来宁波累计投入黔西南州超过1000万元。") == [
        ("超过1000万元", Decimal(10_000_000), "万元", "more_than", "funds")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "三年间，杭州与恩施携手协作。",
        "第3批援黔干部已经到岗。",
        "2022年8月，宁波代表团抵达兴义。",
        "全州人口400万，面积1.68万平方公里。",
        "全州总人口400万人。",
        "兴义市辖9个街道。",
        "恩施州千亩茶叶示范基地已经建成。",
        "一次次对接，一项项措施。",
        "援建项目工期为3个月。",
        "脱贫人口收入增长12%。",
    ],
)
def test_dates_durations_ordinals_names_and_background_give_nothing(text: str) -> None:
    assert extract_quantities(text) == []


def test_chinese_numerals_and_thousands_separators_are_read() -> None:
    text = "宁波向黔西南捐赠救护车两辆，培训教师一万二千人次，组织1,000人赴宁波务工。"
    assert [(q.text, q.value) for q in extract_quantities(text)] == [
        ("两辆", Decimal(2)),
        ("一万二千人次", Decimal(12000)),
        ("1,000人", Decimal(1000)),
    ]


def test_quantities_come_in_order_with_their_offsets() -> None:
    text = "杭州选派挂职干部12名，恩施销售农产品3.5亿元，开展考察交流20余次。"
    quantities = extract_quantities(text)
    assert [(q.text, q.category) for q in quantities] == [
        ("12名", "talent"),
        ("3.5亿元", "consumption"),  # money from sales, not aid funds
        ("20余次", "exchange"),
    ]
    assert [q.start for q in quantities] == sorted(q.start for q in quantities)
    for q in quantities:
        assert text[q.start : q.start + len(q.text)] == q.text


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("0123456789,.一二两三四五六十百千万亿上近约超余多名人次元个第年月辖")
        ),
    )
    | st.text()
)
def test_extraction_never_raises_and_offsets_hold_for_any_text(text: str) -> None:
    for q in extract_quantities(text):
        assert text[q.start : q.start + len(q.text)] == q.text
        assert q.value >= 0


def test_money_is_aid_unless_its_clause_says_sales_or_investment() -> None:
    text = "拨付财政援助资金5860万元，引导企业完成投资额1.1亿元，采购农产品2600余万元。"
    assert [(q.text, q.category) for q in extract_quantities(text)] == [
        ("5860万元", "funds"),
        ("1.1亿元", "industry"),
        ("2600余万元", "consumption"),
    ]


def test_a_sector_in_the_clause_outweighs_a_nearer_generic_word() -> None:
    (staff,) = extract_quantities("市卫健委组织三甲医院对口帮扶，选派医疗专家68名。")
    assert staff.category == "medical"


def test_quoted_speech_phases_and_herd_sizes_are_not_quantities() -> None:
    text = (
        "“在北仑上班，一个月能拿五六千元，比在老家多得多。”村民说。"
        "产业园二期项目竣工。全县羊只饲养量达300万只。举办培训班4期。"
    )
    assert [q.text for q in extract_quantities(text)] == ["4期"]
