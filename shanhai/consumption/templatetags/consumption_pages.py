"""Template tags of the consumption pages: the tab bar, money in yuan, seasons, status badges."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shanhai.consumption import rules, selectors
from shanhai.consumption.models import BenefitLinkage

register = template.Library()


@dataclass(frozen=True)
class Tab:
    key: str  # the page's URL name without its namespace: what a page sets as "tab"
    url: str
    label: str
    count: int | None = None


# The consumption pages of both apps, in the order they are shown. A page names its own tab by
# setting "tab" to its URL name ("supplier-list", "demand-list" …).
TABS = (
    ("consumption", "home", _("Overview")),
    ("consumption", "supplier-list", _("Suppliers and products")),
    ("consumption", "certification-queue", _("Certification")),
    ("consumption", "channel-list", _("Channels and sales")),
    ("consumption", "flag-list", _("Flags")),
    ("consumption_market", "dashboard", _("Sales dashboard")),
    ("consumption_market", "demand-list", _("Demand")),
    ("consumption_market", "guidance", _("Production guidance")),
    ("consumption_market", "quota-list", _("832 reserved shares")),
)


@register.simple_tag(takes_context=True)
def consumption_tabs(context: template.Context) -> list[Tab]:
    """`{% consumption_tabs as tabs %}`: the tabs whose pages exist, the flags with their count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    tabs: list[Tab] = []
    for namespace, name, label in TABS:
        try:
            url = reverse(f"{namespace}:{name}")
        except NoReverseMatch:
            continue  # a page not built yet
        count = None
        if name == "flag-list" and user is not None and user.is_authenticated:
            known = context.get("open_flag_count")
            count = known if known is not None else selectors.open_flag_count(user)
        tabs.append(Tab(name, url, str(label), count))
    return tabs


@register.filter
def yuan(amount: Decimal | int | None) -> str:
    """`{{ line.amount|yuan }}` → 1,234.5元 (fen only when there are any)."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP)
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text}元" if (get_language() or "").startswith("zh") else f"{text} yuan"


@register.filter
def number(value: Decimal | int | None) -> str:
    """`{{ line.quantity|number }}` → 1,200 or 2.5 (no trailing zeros)."""
    if value is None:
        return ""
    normal = Decimal(value).normalize()
    if normal == normal.to_integral_value():
        return f"{normal.to_integral_value():,f}"
    return f"{normal:,f}"


@register.filter
def season(months: list[int] | None) -> str:
    """`{{ product.season_months|season }}` → 9–11月, or 全年."""
    return rules.months_label(list(months or []))


@register.filter
def linkage_kinds(kinds: list[str] | None) -> str:
    """`{{ linkage.kinds|linkage_kinds }}` → 订单收购、务工 (the ways, in the reader's language)."""
    labels = dict(BenefitLinkage.Kind.choices)
    return "、".join(str(labels.get(kind, kind)) for kind in kinds or []) or "—"


@register.filter
def cert_badge(badge: Any) -> SafeString:
    """`{{ product.badge|cert_badge }}` → the coloured certification status of a product."""
    if badge is None:
        return format_html("")
    return format_html('<span class="badge cert {}">{}</span>', badge.css, badge.label)


@register.filter
def status_css(status: str) -> str:
    """`{{ certification.status|status_css }}` → the badge colour of a certification status."""
    if status == "certified":
        return "status-confirmed"
    if status in {"applied", "reviewed", "rechecked", "publicised"}:
        return "status-pending"
    return "muted"
