from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from shanhai.core.formats import partial_date, wan_yuan
from shanhai.core.models import DatePrecision

JUNE_28 = date(2023, 6, 28)


@pytest.fixture
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("chinese")
def test_a_date_known_to_the_year_is_written_as_the_year_alone():
    assert partial_date(JUNE_28, DatePrecision.YEAR) == "2023年"


@pytest.mark.usefixtures("chinese")
def test_a_date_known_to_the_month_is_written_without_a_day():
    assert partial_date(date(2022, 7, 1), DatePrecision.MONTH) == "2022年7月"


@pytest.mark.usefixtures("chinese")
def test_a_date_known_to_the_day_is_written_in_full():
    assert partial_date(JUNE_28, DatePrecision.DAY) == "2023年6月28日"


@pytest.mark.usefixtures("chinese")
def test_a_date_without_a_precision_is_taken_to_the_day():
    assert partial_date(JUNE_28) == "2023年6月28日"


@pytest.mark.usefixtures("english")
def test_english_readers_see_a_year_without_the_chinese_suffix():
    assert partial_date(JUNE_28, DatePrecision.YEAR) == "2023"


@pytest.mark.usefixtures("english")
def test_english_readers_see_a_month_by_name():
    assert partial_date(date(2022, 7, 1), DatePrecision.MONTH) == "July 2022"


def test_a_missing_date_is_written_as_nothing():
    assert partial_date(None, DatePrecision.YEAR) == ""


@pytest.mark.usefixtures("chinese")
@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (52000, "5.2万元"),
        (Decimal("1234567"), "123.46万元"),
        (100_000_000, "10,000万元"),
        (Decimal("250"), "0.03万元"),  # 四舍五入, not rounding half to even
        (0, "0万元"),
    ],
)
def test_yuan_amounts_are_written_in_wan_with_at_most_two_decimals(amount, written):
    assert wan_yuan(amount) == written


@pytest.mark.usefixtures("english")
def test_english_readers_see_wan_spelled_out():
    assert wan_yuan(52000) == "5.2 × 10k yuan"


def test_a_missing_amount_is_written_as_nothing():
    assert wan_yuan(None) == ""


@pytest.mark.usefixtures("chinese")
def test_the_template_filter_writes_a_pairing_start_to_its_precision():
    template = Template("{% load shanhai %}{{ started_on|partial_date:precision }}")

    rendered = template.render(Context({"started_on": date(2022, 7, 1), "precision": "month"}))

    assert rendered == "2022年7月"
