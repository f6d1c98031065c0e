"""Figures as the rest of Shanhai writes them: 6,030万元, 446人."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from shanhai.core import formats

register = template.Library()

WAN_YUAN = "万元"


@register.filter
def in_unit(value: Decimal | None, unit: str) -> str:
    """`{{ figure.actual|in_unit:figure.indicator.unit }}`: the number and its unit.

    An indicator in 万元 already holds 万元; it is written by the one helper that writes every
    amount in the app, so the portal rounds and groups digits as the office's pages do.
    """
    if value is None:
        return ""
    if unit == WAN_YUAN:
        return formats.wan_yuan(value * 10000)
    number = value.quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    return f"{number:,f}{unit}"
