"""Template filters shared by every page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template

from shanhai.core import formats

register = template.Library()


@register.filter
def partial_date(value: date | None, precision: str = "day") -> str:
    """`{{ pairing.started_on|partial_date:pairing.started_on_precision }}`."""
    return formats.partial_date(value, precision)


@register.filter
def wan_yuan(amount: Decimal | int | None) -> str:
    return formats.wan_yuan(amount)


@register.filter
def role_label(role: str) -> str:
    """`{{ "office"|role_label }}` → 合作交流办 (the role's name in the reader's language)."""
    from shanhai.accounts.models import Role

    return str(Role(role).label) if role in Role.values else role
