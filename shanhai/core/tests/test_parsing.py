"""Cells as offices fill them in: 5.2万元, ５０００, 六十一人, 2023年6月28日, √, 挂职, ID cards."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from shanhai.core.models import DatePrecision, Source
from shanhai.core.parsing import (
    ParseError,
    clean_text,
    parse_amount,
    parse_bool,
    parse_chinese_numeral,
    parse_choice,
    parse_date,
    parse_date_range,
    parse_id_number,
    parse_integer,
    parse_phone,
    parse_quantity,
)

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
JUNE_28 = date(2023, 6, 28)
JUNE_28_MORNING = datetime.combine(JUNE_28, time(10, 30))  # spreadsheet datetimes are naive
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@pytest.fixture(autouse=True, scope="module")
def english():
    """Messages are checked in English, the language they are written in."""
    with translation.override("en"):
        yield


def refused(message):
    return pytest.raises(ParseError, match=re.escape(message))


# --- A test-only writer of Chinese numerals -----------------------------------------------------

CHINESE_DIGITS = "零一二三四五六七八九"
FINANCIAL = str.maketrans("一二三四五六七八九十百千万亿", "壹贰叁肆伍陆柒捌玖拾佰仟萬億")


def chinese_section(number: int) -> str:
    """Write 0 < number < 10000: 1005 → 一千零五."""
    text, gap = "", False
    for size, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // size % 10
        if digit == 0:
            gap = gap or bool(text)
            continue
        text += ("零" if gap else "") + CHINESE_DIGITS[digit] + name
        gap = False
    return text


def chinese(number: int, *, liang: bool = False) -> str:
    """Write 0 ≤ number < 10**12 as it is usually written: 100050000 → 一亿零五万, 12 → 十二."""
    if number == 0:
        return "零"
    text, gap = "", False
    for group, name in (
        (number // 10**8, "亿"),
        (number // 10**4 % 10**4, "万"),
        (number % 10**4, ""),
    ):
        if group == 0:
            gap = gap or bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += chinese_section(group) + name
        gap = False
    if text.startswith("一十"):
        text = text[1:]
    if liang and text.startswith("二") and text[1:2] in ("百", "千", "万", "亿"):
        text = "两" + text[1:]
    return text


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "零"),
        (10, "十"),
        (12, "十二"),
        (61, "六十一"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1010, "一千零一十"),
        (1234, "一千二百三十四"),
        (12000, "一万二千"),
        (100005, "十万零五"),
        (10000500, "一千万零五百"),
        (100050000, "一亿零五万"),
        (120000000, "一亿二千万"),
    ],
)
def test_the_test_writer_of_chinese_numerals_writes_them_as_people_do(number, text):
    assert chinese(number) == text


# --- clean_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  61 ", "61"),
        ("５０００", "5000"),
        ("\u3000六十一\u3000人\u3000", "六十一 人"),
        ("\ufeff１２３\u200b", "123"),
        ("a\u200db\u00adc\u2060d", "abcd"),
        ("3.2\t万元\n", "3.2 万元"),
        ("a  \u00a0 b", "a b"),
        ("（挂职）", "(挂职)"),
        ("５，０００．５", "5,000.5"),
        (61, "61"),
        (61.0, "61"),
        (-3.0, "-3"),
        (3.5, "3.5"),
        (0.1 + 0.2, "0.3"),
        (Decimal("1E+3"), "1000"),
        (Decimal("61.50"), "61.50"),
        (True, "是"),
        (False, "否"),
        (JUNE_28_MORNING, "2023-06-28"),
        (JUNE_28, "2023-06-28"),
        (time(10, 30), "10:30:00"),
    ],
)
def test_clean_text_gives_one_line_of_plain_text(value, text):
    assert clean_text(value) == text


@given(st.text())
def test_clean_text_is_stable_and_has_no_stray_spaces(text):
    cleaned = clean_text(text)

    assert clean_text(cleaned) == cleaned
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert not {"\ufeff", "\u200b", "\u3000"} & set(cleaned)


# --- parse_chinese_numeral ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("六十一", Decimal(61)),
        ("十", Decimal(10)),
        ("十二", Decimal(12)),
        ("两", Decimal(2)),
        ("一百零五", Decimal(105)),
        ("一千二百三十四", Decimal(1234)),
        ("一万二千", Decimal(12000)),
        ("一万二", Decimal(12000)),
        ("三百五", Decimal(350)),
        ("三点五", Decimal("3.5")),
        ("零点零五", Decimal("0.05")),
        ("三点五万", Decimal(35000)),
        ("〇", Decimal(0)),
        ("零", Decimal(0)),
        ("两万", Decimal(20000)),
        ("两千五百", Decimal(2500)),
        ("一千零十", Decimal(1010)),
        ("一亿二千万", Decimal(120_000_000)),
        ("壹仟贰佰叁拾肆", Decimal(1234)),
        ("拾", Decimal(10)),
        ("伍萬", Decimal(50000)),
        ("二〇二三", Decimal(2023)),
        ("二零二三", Decimal(2023)),
        ("负三", Decimal(-3)),
        (" 六十一 ", Decimal(61)),
    ],
)
def test_a_chinese_numeral_is_read_as_its_number(text, number):
    assert parse_chinese_numeral(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "十十",
        "百",
        "万",
        "一百零",
        "五点",
        "点五",
        "二三百",
        "二十百",
        "一万二万",
        "1.5亿",
        "61",
        "六十一人",
        "abc",
    ],
)
def test_what_is_not_a_chinese_numeral_is_refused_with_the_text_quoted(text):
    with refused(f"“{text.strip()}” is not a number written in Chinese numerals."):
        parse_chinese_numeral(text)


@given(number=st.integers(0, 10**8), liang=st.booleans())
def test_any_whole_number_written_in_chinese_reads_back(number, liang):
    assert parse_chinese_numeral(chinese(number, liang=liang)) == number


@given(st.integers(0, 10**12 - 1))
def test_any_number_in_financial_numerals_reads_back(number):
    assert parse_chinese_numeral(chinese(number).translate(FINANCIAL)) == number


@given(st.text(alphabet="〇一二三四五六七八九", min_size=2, max_size=10))
def test_digits_written_one_by_one_read_as_a_number(digits):
    assert parse_chinese_numeral(digits) == int(
        "".join(str("〇一二三四五六七八九".index(d)) for d in digits)
    )


@given(whole=st.integers(0, 10**6), fraction=st.text(alphabet="0123456789", min_size=1, max_size=4))
def test_any_decimal_written_in_chinese_reads_back(whole, fraction):
    text = chinese(whole) + "点" + "".join(CHINESE_DIGITS[int(d)] for d in fraction)

    assert parse_chinese_numeral(text) == Decimal(f"{whole}.{fraction}")


# --- parse_quantity and parse_integer -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "also", "number"),
    [
        (61, "人", (), Decimal(61)),
        (61.0, "人", (), Decimal(61)),
        (0.1 + 0.2, "", (), Decimal("0.3")),
        (1234567.1 + 1e-9, "", (), Decimal("1234567.10000000")),
        (Decimal("3.25"), "万元", (), Decimal("3.25")),
        ("61", "人", (), Decimal(61)),
        ("61人", "人", (), Decimal(61)),
        ("61名", "人", ("名", "位"), Decimal(61)),
        ("61 位", "人", ("名", "位"), Decimal(61)),
        ("六十一人", "人", (), Decimal(61)),
        ("1.2万人", "人", (), Decimal(12000)),
        ("1.2万", "人", (), Decimal(12000)),
        ("3.2万元", "元", (), Decimal(32000)),
        ("3.2万", "元", (), Decimal(32000)),
        ("5,000元", "元", (), Decimal(5000)),
        ("5，000元", "元", (), Decimal(5000)),
        ("５０００", "元", (), Decimal(5000)),
        ("12,345,678.90", "元", (), Decimal("12345678.90")),
        ("¥300", "元", (), Decimal(300)),
        ("￥3,000.50", "元", (), Decimal("3000.50")),
        ("300块", "元", (), Decimal(300)),
        ("300元人民币", "元", (), Decimal(300)),
        ("5000元整", "元", (), Decimal(5000)),
        ("两万元", "元", (), Decimal(20000)),
        ("一百万", "元", (), Decimal(1_000_000)),
        ("5千", "元", (), Decimal(5000)),
        ("5百万", "元", (), Decimal(5_000_000)),
        ("5千万", "元", (), Decimal(50_000_000)),
        ("1.5亿", "元", (), Decimal(150_000_000)),
        ("1.5亿", "", (), Decimal(150_000_000)),
        ("3万5千", "元", (), Decimal(35000)),
        ("3.2", "万元", (), Decimal("3.2")),
        ("3.2万", "万元", (), Decimal("3.2")),
        ("3.2万元", "万元", (), Decimal("3.2")),
        ("32000元", "万元", (), Decimal("3.2")),
        ("¥32000", "万元", (), Decimal("3.2")),
        ("1.5亿元", "万元", (), Decimal(15000)),
        ("十二", "万元", (), Decimal(12)),
        ("5千克", "千克", (), Decimal(5)),
        ("61%", "%", (), Decimal(61)),
        ("61％", "%", (), Decimal(61)),
        ("百分之六十一", "%", (), Decimal(61)),
        ("-5", "", (), Decimal(-5)),
        ("−5万", "", (), Decimal(-50000)),
        ("负五", "", (), Decimal(-5)),
        ("+5", "", (), Decimal(5)),
        ("1E+3", "", (), Decimal(1000)),
        ("\ufeff 61 \u200b", "", (), Decimal(61)),
        ("0", "", (), Decimal(0)),
    ],
)
def test_a_quantity_is_read_in_the_columns_unit(value, unit, also, number):
    assert parse_quantity(value, unit=unit, also=also) == number


def test_a_float_keeps_fifteen_significant_digits():
    assert str(parse_quantity(0.1 + 0.2)) == "0.3"
    assert str(parse_quantity(1 / 3)) == "0.333333333333333"


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("61户", "人", "“61户” is not a number in the unit “人” (write e.g. 61 or 61人)."),
        ("3.2万元", "人", "“3.2万元” is not a number in the unit “人”"),
        ("¥61", "人", "“¥61” is not a number in the unit “人”"),
        ("61人", "人次", "“61人” is not a number in the unit “人次”"),
        ("5,000户", "元", "“5,000户” is not a number in the unit “元”"),
        ("61人", "", "“61人” is not a plain number (write e.g. 61)."),
        ("约61人", "人", "“约61人” is not an exact number; write the exact figure"),
        ("近百人", "人", "“近百人” is not an exact number"),
        ("61余人", "人", "“61余人” is not an exact number"),
        ("60多", "", "“60多” is not an exact number"),
        ("61人以上", "人", "“61人以上” is not an exact number"),
        ("61+", "", "“61+” is not an exact number"),
        ("50-60", "", "“50-60” is not an exact number"),
        ("50~60人", "人", "“50~60人” is not an exact number"),
        ("1.2.3", "", "“1.2.3” is not a number."),
        ("abc", "", "“abc” is not a number."),
        ("五点", "", "“五点” is not a number."),
        ("5,00", "", "“5,00” is not a number."),
        ("12,34,567", "", "“12,34,567” is not a number."),
        ("万", "", "“万” is not a number."),
        ("-", "", "“-” is not a number."),
        ("", "", "The cell is empty; a number is needed."),
        ("\u3000", "", "The cell is empty; a number is needed."),
    ],
)
def test_text_that_is_not_a_quantity_is_refused_saying_why(text, unit, message):
    with refused(message):
        parse_quantity(text, unit=unit)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "是"),
        (JUNE_28, "2023-06-28"),
        (JUNE_28_MORNING, "2023-06-28"),
        (time(10), "10:00:00"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (Decimal("NaN"), "NaN"),
    ],
)
def test_a_cell_that_holds_no_number_is_refused(value, shown):
    with refused(f"“{shown}” is not a number."):
        parse_quantity(value)


@pytest.mark.parametrize("text", ["1" * 5000, "一" * 5000, "1" * 5000 + "万元"])
def test_an_absurdly_long_number_is_refused_not_crashed_on(text):
    with refused("…” is not a number."):
        parse_quantity(text, unit="元")


def test_the_quoted_cell_is_cut_short_when_it_is_long():
    with pytest.raises(ParseError) as caught:
        parse_quantity("说明" * 100)

    assert str(caught.value) == "“" + ("说明" * 20)[:39] + "…” is not a number."


def test_a_message_is_translated_into_the_users_language():
    with translation.override("zh-hans"), pytest.raises(ParseError, match="“abc”不是数字。"):
        parse_quantity("abc")


@pytest.mark.parametrize(
    ("value", "unit", "number"),
    [
        ("61名", "人", 61),
        ("六十一", "人", 61),
        ("1.2万人", "人", 12000),
        (61.0, "人", 61),
        ("5,000", "", 5000),
        ("两万", "", 20000),
    ],
)
def test_a_whole_number_is_read_as_an_int(value, unit, number):
    result = parse_integer(value, unit=unit, also=("名",))

    assert result == number
    assert type(result) is int


@pytest.mark.parametrize("value", ["3.5人", 3.5, "三点五", "1.23456万"])
def test_a_fraction_is_refused_where_a_whole_number_is_needed(value):
    with refused("is not a whole number."):
        parse_integer(value, unit="人")


amounts = st.decimals(min_value=0, max_value=Decimal(10**10), places=2)
AMOUNT_STYLES = {
    "plain": lambda a: format(a, "f"),
    "separators": lambda a: f"{a:,}",
    "full-width separators": lambda a: f"{a:,}".translate(FULL_WIDTH),
    "full-width": lambda a: format(a, "f").translate(FULL_WIDTH),
    "yuan": lambda a: f"{a:,}元",
    "yen sign": lambda a: f"¥{a:,}",
    "full-width yen sign": lambda a: f"￥{a}",
    "wan": lambda a: format(a / 10000, "f") + "万",
    "wan yuan": lambda a: format(a / 10000, "f") + "万元",
    "yi": lambda a: format(a / 10**8, "f") + "亿",
    "spaces": lambda a: f"\u3000{a:,} 元 ",
    "kuai": lambda a: f"{a}块",
}


@given(amount=amounts, style=st.sampled_from(sorted(AMOUNT_STYLES)))
def test_any_amount_written_any_way_reads_back_in_yuan(amount, style):
    assert parse_quantity(AMOUNT_STYLES[style](amount), unit="元") == amount


@given(amount=amounts, style=st.sampled_from(sorted(AMOUNT_STYLES)))
def test_any_amount_written_any_way_reads_back_in_wan_yuan(amount, style):
    text = AMOUNT_STYLES[style](amount)
    if not re.search("[元块万亿¥￥]", text):
        text += "元"  # a bare number in a 万元 column is already in 万元

    assert parse_quantity(text, unit="万元") == amount / 10000


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4))
def test_a_decimal_cell_is_taken_as_it_is(number):
    assert parse_quantity(number, unit="元") == number


@given(st.floats(min_value=-1e12, max_value=1e12))
def test_a_float_cell_is_read_to_fifteen_significant_digits(number):
    assert parse_quantity(number) == Decimal(f"{number:.15g}")


@given(number=st.integers(0, 10**8), liang=st.booleans())
def test_any_count_of_people_written_in_chinese_reads_back(number, liang):
    assert parse_integer(chinese(number, liang=liang) + "人", unit="人") == number


@given(st.integers(-(10**15), 10**15))
def test_any_integer_reads_back_from_its_cell_and_its_text(number):
    assert parse_integer(number) == number
    assert parse_integer(str(number)) == number
    assert parse_integer(f"{number:,}") == number


def test_amounts_typed_in_forms_are_kept_to_the_fen_and_refuse_chinese_numerals():
    assert parse_amount("1.234万元") == Decimal("12340.00")
    assert str(parse_amount("5,000")) == "5000.00"
    with refused("“一百万” is not an amount of money"):
        parse_amount("一百万")


# --- parse_date and parse_date_range ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "day", "precision"),
    [
        (JUNE_28, JUNE_28, DAY),
        (JUNE_28_MORNING, JUNE_28, DAY),
        (45105, JUNE_28, DAY),
        (45105.75, JUNE_28, DAY),
        (Decimal(45105), JUNE_28, DAY),
        (20230628, JUNE_28, DAY),
        (20230628.0, JUNE_28, DAY),
        ("20230628", JUNE_28, DAY),
        ("2023年6月28日", JUNE_28, DAY),
        ("2023年06月28号", JUNE_28, DAY),
        ("2023 年 6 月 28 日", JUNE_28, DAY),
        ("２０２３年６月２８日", JUNE_28, DAY),
        ("2023.6.28", JUNE_28, DAY),
        ("2023/6/28", JUNE_28, DAY),
        ("2023-06-28", JUNE_28, DAY),
        ("2023-6-28 10:00:00", JUNE_28, DAY),
        ("2023-06-28T10:00:00", JUNE_28, DAY),
        ("2023年6月28日 10:00", JUNE_28, DAY),
        ("2023.06.28.", JUNE_28, DAY),
        ("二〇二三年六月二十八日", JUNE_28, DAY),
        ("二零二三年十二月三十一日", date(2023, 12, 31), DAY),
        ("2023年6月28日至30日", JUNE_28, DAY),
        ("2023年6月", date(2023, 6, 1), MONTH),
        ("2023.6", date(2023, 6, 1), MONTH),
        ("2023.10", date(2023, 10, 1), MONTH),
        ("2023-06", date(2023, 6, 1), MONTH),
        ("2023/6", date(2023, 6, 1), MONTH),
        ("二〇二三年六月", date(2023, 6, 1), MONTH),
        (2023.6, date(2023, 6, 1), MONTH),
        (2023.12, date(2023, 12, 1), MONTH),
        ("2023年", date(2023, 1, 1), YEAR),
        ("2023年度", date(2023, 1, 1), YEAR),
        ("2023", date(2023, 1, 1), YEAR),
        (2023, date(2023, 1, 1), YEAR),
    ],
)
def test_a_date_is_read_with_its_precision(value, day, precision):
    assert parse_date(value) == (day, precision)


@pytest.mark.parametrize(
    ("text", "first", "precision", "last"),
    [
        ("2023年6月28日至30日", JUNE_28, DAY, date(2023, 6, 30)),
        ("2023年6月28日-30日", JUNE_28, DAY, date(2023, 6, 30)),
        ("2023.6.28-6.30", JUNE_28, DAY, date(2023, 6, 30)),
        ("2023-06-28~2023-07-02", JUNE_28, DAY, date(2023, 7, 2)),
        ("2023-06-28 ～ 07-02", JUNE_28, DAY, date(2023, 7, 2)),
        ("2023年6月28日—7月2日", JUNE_28, DAY, date(2023, 7, 2)),
        ("2023年6月28日——2023年7月2日", JUNE_28, DAY, date(2023, 7, 2)),
        ("2023年6月28日到7月2日", JUNE_28, DAY, date(2023, 7, 2)),
        ("20230628-20230702", JUNE_28, DAY, date(2023, 7, 2)),
        ("2023年12月28日至1月3日", date(2023, 12, 28), DAY, date(2024, 1, 3)),
        ("二〇二三年六月二十八日至三十日", JUNE_28, DAY, date(2023, 6, 30)),
        ("2023年6月至8月", date(2023, 6, 1), MONTH, date(2023, 8, 1)),
        ("2023.6-2023.8", date(2023, 6, 1), MONTH, date(2023, 8, 1)),
        ("2021-2023年", date(2021, 1, 1), YEAR, date(2023, 1, 1)),
        ("2023年6月28日", JUNE_28, DAY, None),
        (JUNE_28, JUNE_28, DAY, None),
    ],
)
def test_a_range_of_dates_gives_its_first_and_last_day(text, first, precision, last):
    assert parse_date_range(text) == (first, precision, last)


def test_a_range_is_read_as_its_first_day_where_one_date_is_wanted():
    assert parse_date("2023年6月28日—7月2日") == (JUNE_28, DAY)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("23.6.28", "“23.6.28” has a two-digit year; write the year in full"),
        ("23年6月28日", "“23年6月28日” has a two-digit year"),
        ("23-06-28", "“23-06-28” has a two-digit year"),
        ("2023年2月30日", "“2023年2月30日” is not a real date: month 2 of 2023 has 28 days."),
        ("2024.2.30", "“2024.2.30” is not a real date: month 2 of 2024 has 29 days."),
        ("2023-06-31", "month 6 of 2023 has 30 days"),
        ("2023-06-00", "month 6 of 2023 has 30 days"),
        ("2023-13-01", "“2023-13-01” is not a real date: there is no month 13."),
        ("2023年0月", "there is no month 0."),
        (20231340, "“20231340” is not a real date: there is no month 13."),
        ("1948年10月1日", "the year 1948 is not from 1949 to 2100."),
        ("2101", "the year 2101 is not from 1949 to 2100."),
        (date(1900, 1, 1), "“1900-01-01” is not a plausible date: the year 1900"),
        (1, "the year 1899"),
        (2958465, "the year 9999"),
        ("6月28日", "“6月28日” does not say which year"),
        ("2023年6月28日至3日", "“2023年6月28日至3日” ends before it starts."),
        ("2023.6.28-2023.6.1", "ends before it starts."),
        (2023.1, "“2023.1” was stored by Excel as a number, so 2023.1 and 2023.10 look the same"),
        (time(10), "“10:00:00” is a time of day, not a date."),
        ("abc", "“abc” is not a date (write e.g. 2023年6月28日 or 2023-06-28)."),
        ("28/06/2023", "“28/06/2023” is not a date"),
        ("2023年上半年", "“2023年上半年” is not a date"),
        ("202306", "“202306” is not a date"),
        (True, "“是” is not a date"),
        (0, "“0” is not a date"),
        (-45105, "“-45105” is not a date"),
        (2958466, "“2958466” is not a date"),
        (float("nan"), "“nan” is not a date"),
        (Decimal("sNaN"), "“sNaN” is not a date"),
        (Decimal("1E+999999"), "is not a date"),
        ("", "The cell is empty; a date is needed."),
    ],
)
def test_what_is_not_a_date_is_refused_saying_what_is_wrong(value, message):
    with refused(message):
        parse_date(value)


dates = st.dates(min_value=date(1949, 1, 1), max_value=date(2100, 12, 31))
DAY_STYLES = [
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}年{d.month:02}月{d.day:02}号",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}.{d.month:02}.{d.day:02}.",
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: d.isoformat(),
    lambda d: f"{d.year}-{d.month}-{d.day} 10:00:00",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: d.isoformat().translate(FULL_WIDTH).replace("-", "－"),
    lambda d: (
        "".join("〇一二三四五六七八九"[int(c)] for c in str(d.year))
        + f"年{chinese(d.month)}月{chinese(d.day)}日"
    ),
]
MONTH_STYLES = [
    lambda d: f"{d.year}年{d.month}月",
    lambda d: f"{d.year}年{d.month:02}月",
    lambda d: f"{d.year}.{d.month}",
    lambda d: f"{d.year}-{d.month:02}",
    lambda d: f"{d.year}/{d.month}",
]
YEAR_STYLES = [lambda d: f"{d.year}年", lambda d: str(d.year), lambda d: f" {d.year} "]


@given(day=dates, style=st.sampled_from(DAY_STYLES))
def test_any_day_written_any_way_reads_back(day, style):
    assert parse_date(style(day)) == (day, DAY)


@given(day=dates, style=st.sampled_from(MONTH_STYLES))
def test_any_month_written_any_way_reads_back_as_its_first_day(day, style):
    assert parse_date(style(day)) == (day.replace(day=1), MONTH)


@given(day=dates, style=st.sampled_from(YEAR_STYLES))
def test_any_year_written_any_way_reads_back_as_the_first_of_january(day, style):
    assert parse_date(style(day)) == (date(day.year, 1, 1), YEAR)


@given(day=dates, time_of_day=st.floats(min_value=0, max_value=0.999))
def test_an_excel_serial_number_reads_back_as_its_day(day, time_of_day):
    serial = (day - date(1899, 12, 30)).days

    assert parse_date(serial) == (day, DAY)
    assert parse_date(serial + time_of_day) == (day, DAY)


@given(dates)
def test_a_date_typed_as_an_eight_digit_number_is_not_taken_for_a_serial(day):
    assert parse_date(int(day.strftime("%Y%m%d"))) == (day, DAY)


@given(dates)
def test_a_date_or_datetime_cell_is_its_own_day(day):
    assert parse_date(day) == (day, DAY)
    assert parse_date(datetime.combine(day, time(13, 30))) == (day, DAY)


@given(
    first=st.dates(min_value=date(1949, 1, 1), max_value=date(2099, 12, 31)),
    length=st.integers(0, 364),
)
def test_any_range_of_days_reads_back_with_its_last_day(first, length):
    last = first + timedelta(days=length)
    full = f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日"
    short = f"{first.year}.{first.month}.{first.day}-{last.month}.{last.day}"

    assert parse_date_range(full) == (first, DAY, last)
    assert parse_date_range(short) == (first, DAY, last)


# --- parse_bool ---------------------------------------------------------------------------------

YES = [
    "是",
    "√",
    "✓",
    "✔",
    "对",
    "有",
    "Y",
    "y",
    "yes",
    "Yes",
    "YES",
    "TRUE",
    "true",
    "1",
    " 是 ",
    "ｙｅｓ",
]
NO = ["否", "×", "✗", "✘", "无", "没有", "不是", "N", "n", "no", "No", "FALSE", "false", "0", "０"]


@pytest.mark.parametrize("word", YES)
def test_a_word_for_yes_is_true(word):
    assert parse_bool(word) is True


@pytest.mark.parametrize("word", NO)
def test_a_word_for_no_is_false(word):
    assert parse_bool(word) is False


@pytest.mark.parametrize(
    ("value", "result"),
    [(True, True), (False, False), (1, True), (0, False), (1.0, True), (0.0, False)],
)
def test_a_boolean_or_a_one_or_zero_cell_is_yes_or_no(value, result):
    assert parse_bool(value) is result


@given(word=st.sampled_from(YES + NO), padding=st.sampled_from(["", " ", "\u3000", "\ufeff"]))
def test_every_accepted_word_reads_the_same_with_stray_spaces(word, padding):
    assert parse_bool(padding + word + padding) is (word in YES)


@pytest.mark.parametrize("value", ["maybe", "是的吧", "2", 2, "", "X", JUNE_28])
def test_anything_else_is_refused_saying_what_to_write(value):
    with refused("is not yes or no (write 是 or 否"):
        parse_bool(value)


# --- parse_choice -------------------------------------------------------------------------------


class Exchange(models.TextChoices):
    SECONDMENT = "secondment", gettext_lazy("Cadre secondment (挂职)")
    TRAINING = "training", gettext_lazy("Training（培训）")
    VISIT = "visit", gettext_lazy("Study visit")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("news", "news"),
        ("NEWS", "news"),
        ("ｎｅｗｓ", "news"),
        ("新闻报道", "news"),
        (" 新闻 报道 ", "news"),
        ("News article", "news"),
        ("news  ARTICLE", "news"),
        ("正式文件", "document"),
        ("示意（为演示而设）", "illustrative"),
        ("示意", "illustrative"),
        ("为演示而设", "illustrative"),
        ("Illustrative", "illustrative"),
    ],
)
def test_a_choice_is_found_by_value_or_by_label_in_chinese_or_english(text, value):
    assert parse_choice(text, Source.Kind.choices) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("挂职", "secondment"),
        ("Cadre secondment", "secondment"),
        ("cadre secondment (挂职)", "secondment"),
        ("培训", "training"),
        ("study visit", "visit"),
        ("考察", "visit"),
        ("学习考察", "visit"),
    ],
)
def test_a_choice_is_found_by_a_part_in_parentheses_or_by_a_synonym(text, value):
    assert (
        parse_choice(text, Exchange.choices, synonyms={"考察": "visit", "学习考察": "visit"})
        == value
    )


def test_a_choice_is_found_inside_a_named_group():
    grouped = [("Exchanges", Exchange.choices), ("news", gettext_lazy("News article"))]

    assert parse_choice("挂职", grouped) == "secondment"
    assert parse_choice("新闻报道", grouped) == "news"


def test_an_unknown_choice_is_refused_listing_the_chinese_labels():
    message = "“杂志” is not one of the choices: 新闻报道、正式文件、研究资料、示意（为演示而设）."
    with refused(message):
        parse_choice("杂志", Source.Kind.choices)


def test_an_empty_cell_matches_no_choice_not_even_a_blank_one():
    with refused("“” is not one of the choices"):
        parse_choice(None, [("", "---------"), *Source.Kind.choices])


# --- parse_id_number ----------------------------------------------------------------------------

AREAS = ["110101", "310104", "440305", "530102", "522401", "430521", "654003", "810000"]


def with_check_digit(first_17: str) -> str:
    """Add the ISO 7064 MOD 11-2 check character of GB 11643."""
    total = sum(int(digit) * pow(2, 17 - index, 11) for index, digit in enumerate(first_17))
    check = (12 - total % 11) % 11
    return first_17 + ("X" if check == 10 else str(check))


id_numbers = st.builds(
    lambda area, born, sequence: with_check_digit(f"{area}{born:%Y%m%d}{sequence:03}"),
    st.sampled_from(AREAS),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(0, 999),
)


def test_the_tests_check_digit_matches_a_published_example():
    assert with_check_digit("36042619910101007") == "360426199101010071"
    assert with_check_digit("11010519491231002") == "11010519491231002X"


@given(id_numbers)
def test_any_valid_resident_id_number_reads_back(number):
    assert parse_id_number(number) == number
    assert parse_id_number(f" {number.lower()}\u3000") == number


@given(number=id_numbers, data=st.data())
def test_any_single_character_changed_in_an_id_number_is_refused(number, data):
    position = data.draw(st.integers(0, 17))
    allowed = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in allowed if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]

    with pytest.raises(ParseError):
        parse_id_number(changed)


@pytest.mark.parametrize(
    "value",
    [
        4.30521199001011e17,
        430521199001011234,
        Decimal("430521199001011234"),
        "4.30521E+17",
        "4.30521199001011e+17",
        "430521199001011234.0",
        "430521199001011000",
    ],
)
def test_an_id_number_that_excel_stored_as_a_number_is_refused_not_repaired(value):
    with refused("was stored by Excel as a number, which keeps only 15 digits"):
        parse_id_number(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "36042619910101007",
            "“36042619910101007” has 17 characters; a resident ID number has 18.",
        ),
        ("3604261991010100711", "has 19 characters"),
        ("360426910101007", "has 15 characters"),
        ("36042619910101X071", "it has 17 digits and then a digit or X."),
        ("990426199101010071", "it does not start with a province code."),
        ("360426199102300071", "its birth date 1991-02-30 does not exist."),
        ("360426189912310071", "its birth date 1899-12-31 does not exist."),
        ("360426299901010071", "its birth date 2999-01-01 does not exist."),
        ("360426199101010072", "its last character does not match the others"),
        ("36042619910101007X", "its last character does not match the others"),
        ("", "“” has 0 characters"),
        ("36.5", "“36.5” has 4 characters"),
    ],
)
def test_a_wrong_id_number_is_refused_saying_what_is_wrong(text, message):
    with refused(message):
        parse_id_number(text)


# --- parse_phone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("13812345678.0", "13812345678"),
        ("0870-6123456", "0870-6123456"),
        ("08706123456", "0870-6123456"),
        ("0870 61234567", "0870-61234567"),
        ("(0870)6123456", "0870-6123456"),
        ("（0870）6123456", "0870-6123456"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("021 6234 5678", "021-62345678"),
        ("+86 870 6123456", "0870-6123456"),
        ("+86 10 62345678", "010-62345678"),
    ],
)
def test_a_phone_number_is_written_one_way(value, phone):
    assert parse_phone(value) == phone


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.38123e10 + 0.5, "was stored by Excel as a number in scientific notation"),
        ("1.38123E+10", "“1.38123E+10” was stored by Excel as a number in scientific notation"),
        (float("nan"), "was stored by Excel as a number"),
        ("6123456", "“6123456” has no area code; write it as e.g. 0870-6123456."),
        ("12345", "“12345” is not a phone number (write a mobile number such as 13812345678"),
        ("1381234567", "is not a phone number"),
        ("23812345678", "is not a phone number"),
        ("12812345678", "is not a phone number"),
        ("0870-0123456", "is not a phone number"),
        ("0870-612345", "is not a phone number"),
        ("0123-6123456", "is not a phone number"),
        ("13812345678/13987654321", "is not a phone number"),
        ("电话", "is not a phone number"),
        (True, "is not a phone number"),
        ("", "is not a phone number"),
    ],
)
def test_what_is_not_a_phone_number_is_refused(value, message):
    with refused(message):
        parse_phone(value)


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest:09}",
    st.sampled_from("3456789"),
    st.integers(0, 10**9 - 1),
)
MOBILE_STYLES = [
    lambda m: m,
    lambda m: f"{m[:3]} {m[3:7]} {m[7:]}",
    lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}",
    lambda m: f"+86 {m}",
    lambda m: f"0086{m}",
    lambda m: f"86{m}",
    lambda m: m.translate(FULL_WIDTH),
    lambda m: int(m),
]


@given(mobile=mobiles, style=st.sampled_from(MOBILE_STYLES))
def test_any_mobile_number_written_any_way_reads_back(mobile, style):
    assert parse_phone(style(mobile)) == mobile


landlines = st.one_of(
    st.builds(
        lambda area, local: (area, local),
        st.sampled_from(["010", "020", "021", "029"]),
        st.from_regex(r"[2-9][0-9]{7}", fullmatch=True),
    ),
    st.builds(
        lambda area, local: (area, local),
        st.from_regex(r"0[3-9][0-9]{2}", fullmatch=True),
        st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True),
    ),
)


@given(landline=landlines, separator=st.sampled_from(["", "-", " ", "—"]))
def test_any_landline_with_its_area_code_reads_back(landline, separator):
    area, local = landline

    assert parse_phone(f"{area}{separator}{local}") == f"{area}-{local}"
    assert parse_phone(f"({area}){local}") == f"{area}-{local}"
