"""Template filters of the labor pages: a worker's name as the reader may see it."""

from __future__ import annotations

from django import template

from shanhai.core.personal import mask_name
from shanhai.labor.models import Worker

register = template.Library()


@register.filter
def shown_name(worker: Worker, may_see: bool) -> str:
    """`{{ worker|shown_name:show_names }}` → 张三 for those who may see names, else 张*."""
    if may_see or worker.anonymised_at is not None:
        return worker.name
    return mask_name(worker.name)


@register.filter
def wage_range(low: int | None, high: int | None) -> str:
    """`{{ posting.wage_min|wage_range:posting.wage_max }}` → 5000–6500 (or one figure)."""
    if low is None:
        return "" if high is None else str(high)
    if high is None or high == low:
        return str(low)
    return f"{low}–{high}"
