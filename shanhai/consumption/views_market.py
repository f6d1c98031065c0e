"""The market pages of consumption assistance: sales dashboards, 832 reserved shares, the demand
board and its matches, production guidance, and the public page growers read on a phone."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods
from django_stubs_ext import StrOrPromise

from shanhai.accounts.models import Action
from shanhai.consumption import guidance, rules, selectors, services
from shanhai.consumption.forms_market import (
    CloseDemandForm,
    DemandFilterForm,
    DemandForm,
    NoticeForm,
    QuotaForm,
    year_from,
)
from shanhai.consumption.models import Demand, ProductCategory, SaleMode
from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.core.routing import reads_from_replica
from shanhai.places.models import Pairing
from shanhai.places.selectors import (
    user_can,
    user_can_anywhere,
)

PAGE_SIZE = 30
TOP_PRODUCTS = 10
WAN = Decimal(10000)
PRODUCER_MAX_AGE = 300  # seconds a phone or a proxy may keep the growers' page


# ---------------------------------------------------------------------------------------------
# Helpers


def _pairing(request: AuthenticatedHttpRequest, action: str = Action.VIEW) -> Pairing:
    """The pairing named by ?pairing=, else the widest one the reader may see (404 if none)."""
    code = request.GET.get("pairing", "").strip()
    return selectors.get_shown_pairing_for_user(request.user, code, action)


def _year(request: AuthenticatedHttpRequest, years: list[int]) -> int:
    """The year asked for, else the latest of *years* up to this one, else this one."""
    this_year = timezone.localdate().year
    default = max((year for year in years if year <= this_year), default=this_year)
    return year_from(request.GET.get("year"), default=default)


def _pairing_page(
    request: AuthenticatedHttpRequest, pairing: Pairing, tab: str, **context: Any
) -> dict[str, Any]:
    """The context of a market page about *pairing*, with the pairings it may switch to."""
    choices = selectors.pairing_choices_for_user(request.user)
    return {"pairing": pairing, **context, "tab": tab, "pairing_choices": choices}


def _with_pairing(name: str, pairing: Pairing, **query: Any) -> str:
    parts = [f"pairing={pairing.code}", *(f"{k}={v}" for k, v in query.items() if v)]
    return f"{reverse(name)}?{'&'.join(parts)}"


def in_wan(amount: Decimal) -> Decimal:
    """Yuan as 万元 to two decimals, for tables whose header names the unit."""
    return (amount / WAN).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _wan(amount: Decimal) -> float:
    """Yuan as 万元 with two decimals, for a chart."""
    return float(in_wan(amount))


def _t(kg: Decimal) -> Decimal:
    """Kilograms as tonnes to the nearest 10 kg, for the tables."""
    return (kg / 1000).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _tonnes(kg: Decimal) -> float:
    """Kilograms as tonnes to the nearest 10 kg, for a chart."""
    return float(_t(kg))


def _month_label(month: date, *, with_year: bool = False) -> str:
    if (get_language() or "").startswith("zh"):
        return f"{month.year}年{month.month}月" if with_year else f"{month.month}月"
    return date_format(month, "M Y" if with_year else "M")


def _category_label(value: object) -> str:
    return str(ProductCategory(value).label) if value in ProductCategory.values else str(value)


# ---------------------------------------------------------------------------------------------
# Dashboard: counted and uncounted sales, from the monthly sums only


@dataclass(frozen=True)
class DashboardMonth:
    month: date
    purchased: Decimal  # counted, bought by eastern bodies
    helped: Decimal  # counted, helped to sell
    uncounted: Decimal
    lines: int

    @property
    def counted(self) -> Decimal:
        return self.purchased + self.helped

    @property
    def label(self) -> str:
        return _month_label(self.month)

    @property
    def wan(self) -> dict[str, Decimal]:
        return {
            "counted": in_wan(self.counted),
            "uncounted": in_wan(self.uncounted),
            "purchased": in_wan(self.purchased),
            "helped": in_wan(self.helped),
        }


@dataclass(frozen=True)
class DashboardRow:
    """One channel, product or category: counted and uncounted amounts."""

    key: str
    label: str
    counted: Decimal
    uncounted: Decimal
    lines: int
    link: str = ""

    @property
    def wan(self) -> dict[str, Decimal]:
        return {"counted": in_wan(self.counted), "uncounted": in_wan(self.uncounted)}


@dataclass
class Dashboard:
    months: list[DashboardMonth]
    channels: list[DashboardRow] = field(default_factory=list)
    products: list[DashboardRow] = field(default_factory=list)
    categories: list[DashboardRow] = field(default_factory=list)

    @property
    def purchased(self) -> Decimal:
        return sum((m.purchased for m in self.months), Decimal(0))

    @property
    def helped(self) -> Decimal:
        return sum((m.helped for m in self.months), Decimal(0))

    @property
    def counted(self) -> Decimal:
        return self.purchased + self.helped

    @property
    def uncounted(self) -> Decimal:
        return sum((m.uncounted for m in self.months), Decimal(0))

    @property
    def lines(self) -> int:
        return sum(m.lines for m in self.months)

    @property
    def wan(self) -> dict[str, Decimal]:
        return {
            "counted": in_wan(self.counted),
            "uncounted": in_wan(self.uncounted),
            "purchased": in_wan(self.purchased),
            "helped": in_wan(self.helped),
        }

    @property
    def counted_share(self) -> Decimal | None:
        total = self.counted + self.uncounted
        return (self.counted * 100 / total).quantize(Decimal("0.1")) if total else None


def _rows(found: list[dict[str, object]], label: Any, links: dict[str, str]) -> list[DashboardRow]:
    rows = []
    for r in found:
        key = str(r["key"])
        counted = cast(Decimal, r["counted"])
        uncounted = cast(Decimal, r["uncounted"])
        lines = cast(int, r["lines"])
        rows.append(
            DashboardRow(key, label(r["key"]), counted, uncounted, lines, links.get(key, ""))
        )
    return rows


def _dashboard_months(
    year: int, by_mode: dict[str, list[dict[str, object]]]
) -> list[DashboardMonth]:
    cells: dict[date, dict[str, Any]] = defaultdict(
        lambda: {"purchased": Decimal(0), "helped": Decimal(0), "uncounted": Decimal(0), "lines": 0}
    )
    for mode, found in by_mode.items():
        for r in found:
            cell = cells[cast(date, r["key"])]
            cell[mode] += r["counted"]
            cell["uncounted"] += r["uncounted"]
            cell["lines"] += r["lines"]
    return [DashboardMonth(date(year, m, 1), **cells[date(year, m, 1)]) for m in range(1, 13)]


@login_required
@require_GET
@reads_from_replica
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Counted against uncounted sales of a pairing (or of one channel) in a year, by month,
    channel, product and category. Reads the monthly sums only: flat at ten million lines."""
    pairing = _pairing(request)
    months = selectors.months_for_user(request.user, pairing=pairing)
    channel = None
    if channel_id := request.GET.get("channel", "").strip():
        if not channel_id.isdigit():
            raise Http404
        channel = selectors.get_channel_for_user(request.user, int(channel_id))
        months = selectors.sales_months(months, channel=channel)
    with_sales = selectors.sales_years(months)
    year = _year(request, with_sales)
    years = sorted({*with_sales, year}, reverse=True)
    in_year = selectors.sales_months(months, year=year)
    by_mode: dict[str, list[dict[str, object]]] = {
        mode: selectors.sales_by(selectors.sales_months(in_year, mode=mode), "month")
        for mode in (SaleMode.PURCHASED, SaleMode.HELPED)
    }
    board = Dashboard(_dashboard_months(year, by_mode))
    if channel is None:
        links = {
            c.name: _with_pairing("consumption_market:dashboard", pairing, year=year, channel=c.pk)
            for c in selectors.channels_for_user(request.user)
        }
        board.channels = _rows(selectors.sales_by(in_year, "channel"), str, links)
    board.products = _rows(selectors.sales_by(in_year, "product"), str, {})
    board.categories = _rows(selectors.sales_by(in_year, "category"), _category_label, {})
    context = _pairing_page(
        request,
        pairing,
        "dashboard",
        channel=channel,
        year=year,
        years=years,
        board=board,
        charts=_dashboard_charts(board) if board.lines else None,
    )
    return render(request, "consumption/market_dashboard.html", context)


def _dashboard_charts(board: Dashboard) -> dict[str, Any]:
    def stacked(rows: list[DashboardRow]) -> dict[str, Any]:
        return {
            "months": [r.label for r in rows],
            "series": [
                {"name": _("Counted"), "values": [_wan(r.counted) for r in rows]},
                {"name": _("Not counted"), "values": [_wan(r.uncounted) for r in rows]},
            ],
        }

    products = [
        {"name": r.label, "value": _wan(r.counted)}
        for r in board.products[:TOP_PRODUCTS]
        if r.counted
    ]
    return {
        "products": products,
        "products_height": 40 + 28 * len(products),
        "months": {
            "months": [_month_label(m.month) for m in board.months],
            "series": [
                {
                    "name": _("Counted: purchased by the east"),
                    "values": [_wan(m.purchased) for m in board.months],
                },
                {
                    "name": _("Counted: helped to sell"),
                    "values": [_wan(m.helped) for m in board.months],
                },
                {"name": _("Not counted"), "values": [_wan(m.uncounted) for m in board.months]},
            ],
        },
        "channels": stacked(board.channels) if len(board.channels) > 1 else None,
        "categories": stacked(board.categories) if len(board.categories) > 1 else None,
    }


# ---------------------------------------------------------------------------------------------
# 832 reserved shares


@login_required
@require_http_methods(["GET", "POST"])
def quota_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each budget unit's reserved 832 share for a year against what it bought through 832."""
    if not user_can_anywhere(request.user):
        raise Http404
    pairing = _pairing(request)
    can_plan = user_can(request.user, pairing, Action.PLAN)
    set_years = selectors.quota_years()
    year = _year(request, set_years)
    form = None
    if can_plan:
        form = QuotaForm(request.POST or None, initial={"year": year})
        if request.method == "POST" and form.is_valid():
            try:
                quota = services.set_quota(
                    pairing=pairing, set_by=request.user, **form.service_arguments()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Reserved share set for %(buyer)s.") % {"buyer": quota.buyer}
                )
                return redirect(
                    _with_pairing("consumption_market:quota-list", pairing, year=quota.year)
                )
    elif request.method == "POST":
        raise PermissionDenied
    progress = sorted(
        selectors.quota_progress(year), key=lambda q: (q.percent is None, q.percent or 0)
    )
    context = _pairing_page(
        request,
        pairing,
        "quota-list",
        year=year,
        years=sorted({*set_years, year, timezone.localdate().year}, reverse=True),
        progress=progress,
        rows=[{"quota": q, "remaining": max(q.reserved - q.bought, Decimal(0))} for q in progress],
        reserved=sum((q.reserved for q in progress), Decimal(0)),
        bought=sum((q.bought for q in progress), Decimal(0)),
        form=form,
    )
    return render(request, "consumption/market_quota_list.html", context)


# ---------------------------------------------------------------------------------------------
# Demand board


def weight(kg: Decimal) -> str:
    """Kilograms as the board shows them: 12.5 吨 from a tonne up, else 350 公斤."""
    if kg >= 1000:
        tonnes = (kg / 1000).quantize(Decimal("0.001")).normalize()
        return _("%(amount)s t") % {"amount": f"{tonnes:f}"}
    return _("%(amount)s kg") % {"amount": f"{kg.normalize():f}"}


def price_band(low: Decimal | None, high: Decimal | None) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return _("up to %(high)s yuan/kg") % {"high": f"{high.normalize():f}" if high else ""}
    if high is None:
        return _("from %(low)s yuan/kg") % {"low": f"{low.normalize():f}"}
    return _("%(low)s–%(high)s yuan/kg") % {
        "low": f"{low.normalize():f}",
        "high": f"{high.normalize():f}",
    }


# The model's "Open" shares its msgid with job postings (招聘中): the board says it its own way.
DEMAND_STATUS: dict[str, StrOrPromise] = {
    Demand.Status.OPEN: gettext_lazy("Open demand"),
    Demand.Status.MATCHED: gettext_lazy("Supplier found"),
    Demand.Status.CLOSED: gettext_lazy("Withdrawn"),
}


@dataclass(frozen=True)
class DemandRow:
    demand: Demand
    what: str
    quantity: str
    prices: str

    @property
    def status(self) -> str:
        return str(DEMAND_STATUS.get(self.demand.status, self.demand.get_status_display()))


def _demand_row(demand: Demand) -> DemandRow:
    what = demand.product_name or _category_label(demand.category)
    return DemandRow(
        demand, what, weight(demand.quantity_kg), price_band(demand.price_min, demand.price_max)
    )


@login_required
@require_GET
def demand_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    pairing = _pairing(request)
    form = DemandFilterForm(request.GET)
    demands = form.apply(selectors.demands_for_user(request.user, pairing=pairing))
    page = Paginator(demands, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _pairing_page(
        request,
        pairing,
        "demand-list",
        form=form,
        page=page,
        rows=[_demand_row(d) for d in page],
        can_record=user_can(request.user, pairing, Action.RECORD),
    )
    return render(request, "consumption/market_demand_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def demand_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An office posts what an eastern buyer wants."""
    pairing = _pairing(request, Action.RECORD)
    form = DemandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            demand = services.post_demand(
                pairing=pairing, posted_by=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Demand posted; the matching suppliers are below."))
            return redirect("consumption_market:demand-detail", demand.pk)
    context = {"pairing": pairing, "form": form, "tab": "demand-list"}
    return render(request, "consumption/market_demand_form.html", context)


@dataclass(frozen=True)
class MatchRow:
    match: selectors.Match
    season: str
    price: str  # "in" the band, "above", "below", or "" when unknown
    capacity: str
    enough: bool


def _match_row(match: selectors.Match, demand: Demand) -> MatchRow:
    price = ""
    if match.price_per_kg is not None:
        if demand.price_max is not None and match.price_per_kg > demand.price_max:
            price = "above"
        elif demand.price_min is not None and match.price_per_kg < demand.price_min:
            price = "below"
        else:
            price = "in"
    capacity = weight(match.capacity_kg) if match.capacity_kg is not None else ""
    enough = match.capacity_kg is not None and match.capacity_kg >= demand.quantity_kg
    return MatchRow(
        match, rules.months_label(match.product.season_months or []), price, capacity, enough
    )


@login_required
@require_http_methods(["GET", "POST"])
def demand_detail(request: AuthenticatedHttpRequest, demand_id: int) -> HttpResponse:
    """The demand, the certified products that could meet it, and closing it."""
    demand = selectors.get_demand_for_user(request.user, demand_id)
    can_record = user_can(request.user, demand.pairing, Action.RECORD)
    matches = selectors.match_demand(demand)
    form = None
    if demand.status == Demand.Status.OPEN and can_record:
        suppliers = list({m.supplier.pk: m.supplier for m in matches}.values())
        form = CloseDemandForm(request.POST or None, suppliers=suppliers)
        if request.method == "POST" and form.is_valid():
            supplier = form.supplier()
            try:
                services.close_demand(demand=demand, closed_by=request.user, supplier=supplier)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Demand closed: met by %(name)s.") % {"name": supplier.name}
                    if supplier
                    else _("Demand closed as withdrawn."),
                )
                return redirect("consumption_market:demand-detail", demand.pk)
    elif request.method == "POST":
        if not can_record:
            raise PermissionDenied
        return redirect("consumption_market:demand-detail", demand.pk)  # closed already
    context = {
        "pairing": demand.pairing,
        "demand": demand,
        "row": _demand_row(demand),
        "matches": [_match_row(m, demand) for m in matches],
        "form": form,
        "tab": "demand-list",
    }
    return render(request, "consumption/market_demand_detail.html", context)


# ---------------------------------------------------------------------------------------------
# Production guidance


def _guidance_chart(figures: guidance.Figures) -> dict[str, Any]:
    """Stacked bars: the part of demand supply covers, the gap above it, the surplus beside it."""
    covered = [min(d, s) for d, s in zip(figures.demand, figures.supply, strict=True)]
    return {
        "months": [
            _month_label(m, with_year=m.month == 1 or i == 0) for i, m in enumerate(figures.months)
        ],
        "series": [
            {"name": _("Demand met by declared supply"), "values": [_tonnes(c) for c in covered]},
            {"name": _("Gap"), "values": [_tonnes(max(-b, Decimal(0))) for b in figures.balance]},
            {
                "name": _("Surplus"),
                "values": [_tonnes(max(b, Decimal(0))) for b in figures.balance],
            },
        ],
    }


METHODS = {
    "holt_winters": gettext_lazy("Holt-Winters (exponential smoothing with a 12-month season)"),
    "seasonal_naive": gettext_lazy("Seasonal naive (each month as the same month a year before)"),
    "mean": gettext_lazy("Mean of the months recorded (under a year of history)"),
}


def _figure_rows(figures: guidance.Figures) -> list[dict[str, Any]]:
    return [
        {
            "month": row.month,
            "demand": _t(row.demand),
            "posted": _t(row.posted),
            "supply": _t(row.supply),
            "balance": _t(row.balance),
        }
        for row in figures.rows()
    ]


def _totals(figures: guidance.Figures) -> dict[str, Decimal]:
    return {
        "demand": _t(figures.total_demand),
        "posted": _t(figures.total_posted),
        "supply": _t(figures.total_supply),
        "gap": _t(figures.total_gap),
        "surplus": _t(figures.total_surplus),
    }


def _category_view(found: guidance.Guidance, category: guidance.CategoryGuidance) -> dict[str, Any]:
    backtest = category.backtest
    return {
        "guidance": category,
        "method": METHODS.get(category.method, category.method),
        "history_t": _t(category.history_kg),
        "totals": _totals(category.figures),
        "rows": _figure_rows(category.figures),
        "towns": [
            {
                "town": town.town,
                "share": (town.share * 100).quantize(Decimal("0.1"), ROUND_HALF_UP),
                "totals": _totals(town.figures),
            }
            for town in category.towns
        ],
        "backtest": backtest,
        "backtest_method": METHODS.get(backtest.method, backtest.method) if backtest else "",
        "backtest_t": (
            {"model": _t(backtest.model_mae), "naive": _t(backtest.naive_mae)} if backtest else None
        ),
        "chart_id": f"guidance-{category.category}",
        "data_id": f"guidance-{category.category}-data",
        "chart": _guidance_chart(category.figures),
        "sentences": guidance.sentences(found, category),
    }


@login_required
@require_GET
def guidance_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Forecast eastern demand against declared supply, per category and township, with the
    numbers behind it, and the notices published to growers."""
    pairing = _pairing(request)
    found = guidance.pairing_guidance(pairing)
    context = _pairing_page(
        request,
        pairing,
        "guidance",
        guidance=found,
        first=found.months[0],
        last=found.months[-1],
        categories=[_category_view(found, c) for c in found.categories],
        notices=selectors.notices_for_pairing(pairing)[:20],
        can_record=user_can(request.user, pairing, Action.RECORD),
    )
    return render(request, "consumption/market_guidance.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Publish a production guidance notice to the growers of a category or township."""
    pairing = _pairing(request, Action.RECORD)
    form = NoticeForm(request.POST or None, towns=selectors.townships(pairing))
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_notice(pairing=pairing, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Notice published on the growers' page."))
            return redirect(_with_pairing("consumption_market:guidance", pairing))
    context = {"pairing": pairing, "form": form, "tab": "guidance"}
    return render(request, "consumption/market_notice_form.html", context)


# ---------------------------------------------------------------------------------------------
# The growers' page: public, phone-first, a few kilobytes


@dataclass(frozen=True)
class WantedSummary:
    """Open demand for one product or category, without buyers' names or prices."""

    what: str
    kg: Decimal
    deliver_from: date
    deliver_to: date
    buyers: int
    quality: list[str]

    @property
    def quantity(self) -> str:
        return guidance.weight_text(self.kg)


def _wanted(demands: list[Demand]) -> list[WantedSummary]:
    groups: dict[str, list[Demand]] = defaultdict(list)
    for demand in demands:
        groups[demand.product_name or _category_label(demand.category)].append(demand)
    return [
        WantedSummary(
            what,
            sum((d.quantity_kg for d in found), Decimal(0)),
            min(d.deliver_from for d in found),
            max(d.deliver_to for d in found),
            len({d.buyer_id for d in found}),
            sorted({d.quality for d in found if d.quality}),
        )
        for what, found in groups.items()
    ]


@require_GET
@cache_control(public=True, max_age=PRODUCER_MAX_AGE)
def producer(request: HttpRequest, code: str) -> HttpResponse:
    """What the east will want, in plain sentences, for growers of *code*'s western places.

    No buyer's name or price is shown: a buyer's price band is its position in a negotiation,
    and growers sell through the co-op or the commerce bureau, who see the full demand.
    """
    pairing = selectors.get_public_pairing(code)
    found = guidance.pairing_guidance(pairing, with_backtest=False)
    context = {
        "pairing": pairing,
        "guidance": found,
        "categories": [
            {"guidance": c, "sentences": guidance.sentences(found, c)}
            for c in found.categories
            if c.figures.total_demand > 0 or c.figures.total_supply > 0
        ],
        "notices": selectors.notices_for_pairing(pairing)[:10],
        "wanted": _wanted(selectors.open_demand(pairing)),
    }
    return render(request, "consumption/market_producer.html", context)
