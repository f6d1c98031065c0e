"""Amounts typed the way people in county offices write them."""

import re
from decimal import Decimal

import pytest

from shanhai.core.parsing import parse_amount


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("52000", Decimal("52000")),
        ("5.2万", Decimal("52000")),
        ("5.2万元", Decimal("52000")),
        ("5,000元", Decimal("5000")),
        ("５０００", Decimal("5000")),
        ("1.5亿", Decimal("150000000")),
        ("¥300", Decimal("300")),
        ("￥300", Decimal("300")),
        ("1234567.89", Decimal("1234567.89")),
        (" 3.2 万元 ", Decimal("32000")),
    ],
)
def test_an_amount_is_read_as_yuan(text, amount):
    assert parse_amount(text) == amount


def test_an_amount_is_kept_to_the_fen():
    assert str(parse_amount("5.2万")) == "52000.00"


@pytest.mark.parametrize("text", ["一百万", "abc", "", "5.2.1万", "万"])
def test_text_that_is_not_an_amount_is_refused_with_the_text_quoted(text):
    with pytest.raises(ValueError, match=re.escape(f"“{text}”")):
        parse_amount(text)
