"""Whatever a cell holds, every parser answers with a value or a ParseError that quotes it.

The properties run on generated cells of every type a spreadsheet engine yields; see
core/tests/fuzzing.py for how many examples CI and a long run try.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum.cn import ric

from shanhai.core.formats import partial_date, wan_yuan
from shanhai.core.models import DatePrecision
from shanhai.core.parsing import (
    ParseError,
    clean_text,
    parse_amount,
    parse_bool,
    parse_chinese_numeral,
    parse_date,
    parse_date_range,
    parse_id_number,
    parse_integer,
    parse_phone,
    parse_quantity,
)
from shanhai.core.tests.fuzzing import cell_texts, cells, fuzzed

UNITS = ["", "元", "万元", "人", "%", "人次", "吨"]
FIRST_YEAR, LAST_YEAR = 1949, 2100


def refused_clearly(error: ParseError) -> None:
    """A refusal is a sentence for the uploader, never an empty or technical one."""
    message = str(error)
    assert message.strip()
    assert "Traceback" not in message
    assert "\n" not in message


@fuzzed(800)
@given(value=cells, unit=st.sampled_from(UNITS))
@example(value="1" * 5000, unit="元")
@example(value="9e999999", unit="")
@example(value="1e-999999", unit="万元")
def test_any_cell_is_a_quantity_or_is_refused_saying_why(value, unit):
    try:
        number = parse_quantity(value, unit=unit)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert isinstance(number, Decimal)
        assert number.is_finite()


@fuzzed(500)
@given(value=cells, unit=st.sampled_from(UNITS))
def test_any_cell_is_a_whole_number_or_is_refused(value, unit):
    try:
        number = parse_integer(value, unit=unit)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert isinstance(number, int)
        assert not isinstance(number, bool)


@fuzzed(800)
@given(text=cell_texts)
@example(text="1e400")
@example(text="１２３４５６７８９０１２３４５６７８９０１２３４５６７８９０")
def test_any_typed_amount_is_kept_to_the_fen_or_is_refused(text):
    try:
        amount = parse_amount(text)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert isinstance(amount, Decimal)
        assert amount.as_tuple().exponent == -2


@fuzzed(300)
@given(amount=st.decimals(min_value=0, max_value=10**10, places=2))
def test_an_amount_written_in_wan_yuan_reads_back_to_the_fen_it_was_rounded_to(amount):
    with translation.override("zh-hans"):
        written = wan_yuan(amount)
    rounded = (amount / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP) * 10000
    assert parse_amount(written) == rounded


@fuzzed(800)
@given(text=cell_texts)
def test_any_text_is_a_chinese_numeral_or_is_refused(text):
    try:
        number = parse_chinese_numeral(text)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert number.is_finite()


@fuzzed(800)
@given(value=cells)
@example(value=10**30)
@example(value=-(10**30))
@example(value="9999年99月99日")
@example(value="2023年13月1日")
@example(value="二〇二三年六月二十八日")
@example(value=float("1e300"))
def test_any_cell_is_a_plausible_date_or_is_refused(value):
    try:
        day, precision = parse_date(value)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert FIRST_YEAR <= day.year <= LAST_YEAR
        assert precision in DatePrecision.values


@fuzzed(800)
@given(value=cells)
@example(value="2023年12月28日至1月3日")
@example(value="2023年2月28日-29日")
@example(value="2100年12月31日至1月1日")
def test_any_range_ends_no_earlier_than_it_starts_or_is_refused(value):
    try:
        first, _precision, last = parse_date_range(value)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert FIRST_YEAR <= first.year <= LAST_YEAR
        assert last is None or first <= last


@fuzzed(300)
@given(
    day=st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 31)),
    precision=st.sampled_from(DatePrecision.values),
)
def test_a_date_as_the_site_writes_it_reads_back_at_its_precision(day, precision):
    with translation.override("zh-hans"):
        written = partial_date(day, precision)
    first = {
        DatePrecision.DAY: day,
        DatePrecision.MONTH: day.replace(day=1),
        DatePrecision.YEAR: date(day.year, 1, 1),
    }[precision]
    assert parse_date(written) == (first, precision)


ID_ALPHABET = "0123456789xX０１２３４５６７８９ -'E.+"


@fuzzed(800)
@given(value=cells | st.text(alphabet=ID_ALPHABET, min_size=15, max_size=20))
@example(value="11010519491231002X")
@example(value="110105194912310021")
@example(value="11010500000000002X")
def test_a_parsed_id_number_always_passes_its_checksum(value):
    try:
        number = parse_id_number(value)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert re.fullmatch(r"\d{17}[\dX]", number)
        assert ric.is_valid(number)
        assert parse_id_number(number) == number


PHONE_ALPHABET = "0123456789+()- —–.E 　"


@fuzzed(800)
@given(value=cells | st.text(alphabet=PHONE_ALPHABET, max_size=20))
@example(value=Decimal("1.3812345678E+10"))
@example(value=13812345678.0)
@example(value=float("nan"))
def test_a_parsed_phone_number_is_written_one_way_and_reads_back(value):
    try:
        phone = parse_phone(value)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert re.fullmatch(r"1[3-9]\d{9}|0(?:10|2\d|[3-9]\d\d)-[2-9]\d{6,7}", phone)
        assert parse_phone(phone) == phone


@fuzzed(500)
@given(value=cells)
@example(value=Decimal("sNaN"))  # found by fuzzing: comparing it with 0 raised
def test_any_cell_is_yes_or_no_or_is_refused(value):
    try:
        answer = parse_bool(value)
    except ParseError as error:
        refused_clearly(error)
    else:
        assert isinstance(answer, bool)


@fuzzed(500)
@given(value=cells)
def test_any_cell_becomes_one_line_of_text_that_cleans_to_itself(value):
    text = clean_text(value)
    assert "\n" not in text
    assert text == text.strip()
    assert clean_text(text) == text


@pytest.fixture(autouse=True, scope="module")
def english():
    with translation.override("en"):
        yield
