"""Dates and amounts written as Chinese users write them (2023年6月28日, 3.2万元)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import get_language

from shanhai.core.models import DatePrecision


def _is_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def partial_date(value: date | None, precision: str = DatePrecision.DAY) -> str:
    """Write *value* no more precisely than its source stated: 2021年, 2022年7月, 2023年6月28日."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}年" if _is_chinese() else str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def wan_yuan(amount: Decimal | int | None) -> str:
    """Write a yuan amount in 万元 with up to two decimals (52,000 → 5.2万元)."""
    if amount is None:
        return ""
    # 四舍五入, as in Chinese accounts: 250 yuan is 0.03万元 (the default would round to even).
    wan = (Decimal(amount) / Decimal(10000)).quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    text = f"{wan:,f}"
    return f"{text}万元" if _is_chinese() else f"{text} × 10k yuan"
