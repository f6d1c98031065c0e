"""The annual report of a pairing: indicator figures by category and the ledger behind them.

``build_annual_report`` reads everything through the indicators', the ledger's and the labor
module's selectors and returns a plain :class:`AnnualReport`; the writers (``writers.py``) only
lay it out, without a query of their own. The report is a Chinese document whatever the
reader's interface language: it is built under ``zh-hans`` and its labels are Chinese.

The labor section sums the same facts as the labor indicators (F1–F12), so its figures and
theirs agree, and lists the organised transfers and the placements behind them, the workers
masked (张**, 5306**********1234): the report travels further than the ledger. The consumption
section (``consumption.py``) does the same for E1–E9 and lists the counted sale lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils import timezone, translation

from shanhai.accounts.models import User
from shanhai.core.formats import partial_date
from shanhai.core.personal import mask_name
from shanhai.facts import selectors as facts
from shanhai.indicators.selectors import IndicatorValue, Status, progress, scope_ids
from shanhai.labor import selectors as labor_selectors
from shanhai.labor.models import Placement
from shanhai.labor.rules import STABLE_MONTHS
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import records_in_period
from shanhai.places.models import Pairing
from shanhai.reports.consumption import ConsumptionSection, build_consumption_section

REPORT_LANGUAGE = "zh-hans"

# The assessment's own headings (the catalogue's categories); the .po file does not carry them
# yet, and a report must read the same whoever downloads it.
CATEGORY_NAMES = {
    "leadership": "组织领导",
    "funds": "资金支持",
    "talent": "人才支援",
    "training": "干部人才培训",
    "industry": "产业合作",
    "consumption": "消费帮扶",
    "labor": "劳务协作",
    "social": "社会帮扶与结对",
    "revitalisation": "携手促进乡村振兴",
}

STATUS_LABELS = {
    Status.DONE: "已完成",
    Status.ON_TRACK: "按进度推进",
    Status.BEHIND: "滞后",
    Status.NO_TARGET: "未设目标",
    Status.NOT_YET: "待后续模块接入",
}

MONEY_UNITS = frozenset({"元", "万元", "亿元"})

# The labor module's choices as the report names them (its .po entries are not there yet).
DESTINATION_NAMES = {
    "shanghai": "到上海就业",
    "other_east": "到其他东部省份就业",
    "province": "省内县外就业",
    "near_home": "县内就近就业",
    "elsewhere": "到其他西部省份就业",
}
DESTINATION_SHORT = {
    "shanghai": "上海",
    "other_east": "其他东部省份",
    "province": "省内县外",
    "near_home": "县内就近",
    "elsewhere": "其他西部省份",
}
SUBSIDY_NAMES = {
    "transport": "跨省交通补贴",
    "stable": "稳定就业补贴",
    "job_seeking": "一次性求职补贴",
    "employer_post": "用工单位岗位补贴",
}
CHANNEL_NAMES = {
    "transfer": "有组织输出",
    "job_fair": "招聘会",
    "matched": "推荐就业",
    "self_found": "自主就业",
}
TRANSPORT_NAMES = {"bus": "点对点大巴", "train": "火车", "plane": "飞机", "other": "其他"}
HOUSEHOLD_NAMES = {"poverty_exited": "脱贫户", "monitored": "监测对象", "ordinary": "一般农户"}


@dataclass(frozen=True)
class KindColumns:
    """Which of a record kind's fields the ledger sheet shows as its amount and its people."""

    amount_field: str = ""
    amount_header: str = ""
    people_field: str = ""
    people_header: str = ""


KIND_COLUMNS: dict[str, KindColumns] = {
    Record.Kind.VISIT: KindColumns(people_field="member_count", people_header="团组人数"),
    Record.Kind.MEETING: KindColumns(people_field="attendee_count", people_header="参会人数"),
    Record.Kind.AGREEMENT: KindColumns(),
    Record.Kind.FUNDS: KindColumns("amount", "金额(万元)"),
    Record.Kind.PROJECT: KindColumns("budget_amount", "预算(万元)", "people", "受益人数"),
    Record.Kind.DONATION: KindColumns("value_amount", "价值(万元)"),
    Record.Kind.TALENT: KindColumns(people_field="headcount", people_header="人数"),
    Record.Kind.TRAINING: KindColumns(people_field="person_times", people_header="培训人次"),
    Record.Kind.INDUSTRY: KindColumns(
        "investment_in_place_amount", "到位投资(万元)", "jobs_created", "带动就业(人)"
    ),
    Record.Kind.SALES_EVENT: KindColumns("sales_amount", "销售额(万元)"),
    Record.Kind.FIGURE: KindColumns(),
}


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator's line: figures in the indicator's own unit (万元, 人, 次 …)."""

    code: str
    name: str
    unit: str
    category: str
    target: Decimal | None
    actual: Decimal | None
    percent: Decimal | None
    status: str
    status_label: str
    records: int

    @property
    def is_money(self) -> bool:
        return self.unit in MONEY_UNITS


@dataclass(frozen=True)
class CategorySection:
    code: str
    name: str
    rows: list[IndicatorRow]


@dataclass(frozen=True)
class LedgerRow:
    """One ledger record as the report lists it; amounts are in 万元."""

    occurred_on: date
    date_text: str
    title: str
    pairing: str
    direction: str
    level: str
    amount_wan: Decimal | None
    people: int | None
    source: str
    status: str
    is_confirmed: bool
    is_illustrative: bool


@dataclass(frozen=True)
class LedgerSection:
    kind: str
    name: str
    columns: KindColumns
    rows: list[LedgerRow]


@dataclass(frozen=True)
class LaborLine:
    """One line of the labor summary: a count (and of it, poverty-exited), or money in 元."""

    label: str
    value: Decimal
    unit: str
    poverty_exited: int | None = None
    amount: Decimal | None = None  # yuan, for subsidies


@dataclass(frozen=True)
class BatchRow:
    date_text: str
    organiser: str
    transport: str
    destination: str
    people: int
    is_illustrative: bool


@dataclass(frozen=True)
class PlacementRow:
    """A placement as the report lists it: the worker masked."""

    date_text: str
    worker: str
    id_number: str
    household: str
    employer: str
    work_place: str
    destination: str
    channel: str
    monthly_wage: int | None
    stable: str  # 3个月、6个月
    ended: str
    is_illustrative: bool


@dataclass
class LaborSection:
    lines: list[LaborLine] = field(default_factory=list)
    batches: list[BatchRow] = field(default_factory=list)
    placements: list[PlacementRow] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(line.value for line in self.lines)


@dataclass
class AnnualReport:
    title: str
    pairing_code: str
    pairing_name: str
    first_year: int
    year: int
    period: str
    regime: str
    generated_at: datetime
    categories: list[CategorySection] = field(default_factory=list)
    ledger: list[LedgerSection] = field(default_factory=list)
    labor: LaborSection = field(default_factory=LaborSection)
    consumption: ConsumptionSection = field(default_factory=ConsumptionSection)

    @property
    def years(self) -> str:
        """2023年 or 2021—2023年."""
        if self.first_year == self.year:
            return f"{self.year}年"
        return f"{self.first_year}—{self.year}年"

    @property
    def generated_text(self) -> str:
        at = self.generated_at
        return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"

    @property
    def indicators(self) -> list[IndicatorRow]:
        return [row for section in self.categories for row in section.rows]


def build_annual_report(
    *, user: User, pairing: Pairing, year: int, first_year: int | None = None
) -> AnnualReport:
    """Gather *pairing*'s figures for first_year..year, and the records, as *user* may see them."""
    first_year = first_year or year
    if first_year > year:
        raise ValueError("first_year must not be after year")
    with translation.override(REPORT_LANGUAGE):
        result = progress(user, pairing, year, first_year=first_year)
        start, end = date(first_year, 1, 1), date(year, 12, 31)
        report = AnnualReport(
            title="",
            pairing_code=pairing.code,
            pairing_name=str(pairing),
            first_year=first_year,
            year=year,
            period=f"{partial_date(start)}—{partial_date(end)}",
            regime=result.regime.name if result.regime else "",
            generated_at=timezone.localtime(),
        )
        report.title = f"{report.pairing_name} 东西部协作年度报告（{report.years}）"
        report.categories = _categories(result.values)
        report.ledger = _ledger(user, pairing, start, end)
        report.labor = _labor(user, pairing, start, end)
        report.consumption = build_consumption_section(scope_ids(user, pairing), start, end)
    return report


def _categories(values: list[IndicatorValue]) -> list[CategorySection]:
    grouped: dict[str, list[IndicatorRow]] = {}
    for value in values:
        indicator = value.indicator
        grouped.setdefault(indicator.category, []).append(
            IndicatorRow(
                code=indicator.code,
                name=indicator.name_zh,
                unit=indicator.unit,
                category=indicator.category,
                target=value.target,
                actual=value.actual,
                percent=value.percent,
                status=value.status,
                status_label=STATUS_LABELS.get(value.status, value.status),
                records=value.records,
            )
        )
    order = list(CATEGORY_NAMES)
    return [
        CategorySection(code, CATEGORY_NAMES.get(code, code), rows)
        for code, rows in sorted(
            grouped.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)
        )
    ]


def _ledger(user: User, pairing: Pairing, start: date, end: date) -> list[LedgerSection]:
    """Each kind's records of *pairing* (and below) dated in start..end, oldest first."""
    sections = []
    for kind, label in Record.Kind.choices:
        records = records_in_period(user, pairing, kind, start, end)
        columns = KIND_COLUMNS.get(kind, KindColumns())
        rows = [_ledger_row(record, columns) for record in records]
        if rows:
            sections.append(LedgerSection(kind, str(label), columns, rows))
    return sections


def _ledger_row(record: Record, columns: KindColumns) -> LedgerRow:
    when = partial_date(record.occurred_on, record.occurred_on_precision)
    if record.ended_on and record.ended_on != record.occurred_on:
        when = f"{when}—{partial_date(record.ended_on)}"
    amount = getattr(record, columns.amount_field) if columns.amount_field else None
    people = getattr(record, columns.people_field) if columns.people_field else None
    return LedgerRow(
        occurred_on=record.occurred_on,
        date_text=when,
        title=record.title,
        pairing=str(record.pairing),
        direction=record.get_direction_display() if record.direction else "",
        level=record.get_level_display() if record.level else "",
        amount_wan=to_wan(amount),
        people=people,
        source=record.source.title if record.source else "",
        status=record.get_status_display(),
        is_confirmed=record.status == Record.Status.CONFIRMED,
        is_illustrative=record.is_illustrative,
    )


def _labor(user: User, pairing: Pairing, start: date, end: date) -> LaborSection:
    """Placements by destination, organised transfers, stable employment and subsidies paid."""
    ids = scope_ids(user, pairing)

    def count(metric: str, **filters: str) -> int:
        return facts.total(ids, metric, start, end, filters)[0]

    placed = "labor.placed"
    poverty = {"subcategory": "poverty_exited"}
    lines = [
        LaborLine(
            "帮助农村劳动力就业（合计）", Decimal(count(placed)), "人", count(placed, **poverty)
        )
    ]
    for code, label in DESTINATION_NAMES.items():
        lines.append(
            LaborLine(
                label,
                Decimal(count(placed, category=code)),
                "人",
                count(placed, category=code, **poverty),
            )
        )
    batches, people = count("labor.batch"), facts.total(ids, "labor.batch.people", start, end)[1]
    lines += [
        LaborLine("有组织输出批次", Decimal(batches), "批"),
        LaborLine("有组织输出人数", people, "人"),
    ]
    for months in STABLE_MONTHS:
        stable = f"labor.stable_{months}"
        lines.append(
            LaborLine(
                f"稳定就业{months}个月以上",
                Decimal(count(stable)),
                "人",
                count(stable, **poverty),
            )
        )
    for kind, label in SUBSIDY_NAMES.items():
        paid, amount = facts.total(ids, "labor.subsidy_paid", start, end, {"category": kind})
        lines.append(LaborLine(f"发放{label}", Decimal(paid), "笔", amount=amount))
    paid, amount = facts.total(ids, "labor.subsidy_paid", start, end)
    lines.append(LaborLine("发放就业补贴（合计）", Decimal(paid), "笔", amount=amount))
    return LaborSection(
        lines=lines,
        batches=_batches(user, pairing, start, end),
        placements=_placements(user, pairing, start, end),
    )


def _batches(user: User, pairing: Pairing, start: date, end: date) -> list[BatchRow]:
    batches = (
        labor_selectors.batches_for_user(user, pairing=pairing)
        .filter(departed_on__gte=start, departed_on__lte=end)
        .annotate(people=Count("workers"))
        .order_by("departed_on", "id")
    )
    return [
        BatchRow(
            date_text=partial_date(batch.departed_on),
            organiser=batch.organiser,
            transport=TRANSPORT_NAMES.get(batch.transport, batch.transport),
            destination=batch.destination.full_name,
            people=batch.people,
            is_illustrative=batch.is_illustrative,
        )
        for batch in batches
    ]


def _placements(user: User, pairing: Pairing, start: date, end: date) -> list[PlacementRow]:
    placements = (
        labor_selectors.placements_for_user(user, pairing=pairing)
        .filter(started_on__gte=start, started_on__lte=end)
        .prefetch_related("followups")
        .order_by("started_on", "id")
    )
    return [_placement_row(placement) for placement in placements]


def _placement_row(placement: Placement) -> PlacementRow:
    worker = placement.worker
    reached = labor_selectors.confirmed_months(placement, list(placement.followups.all()))
    employer = placement.employer.name if placement.employer else placement.employer_name
    return PlacementRow(
        date_text=partial_date(placement.started_on),
        worker=mask_name(worker.name),
        id_number=worker.id_number_masked,
        household=HOUSEHOLD_NAMES.get(worker.household_type, worker.household_type),
        employer=employer,
        work_place=placement.work_place.full_name,
        destination=DESTINATION_SHORT.get(placement.destination, placement.destination),
        channel=CHANNEL_NAMES.get(placement.channel, placement.channel),
        monthly_wage=placement.monthly_wage,
        stable="、".join(f"{months}个月" for months in sorted(reached)),
        ended=partial_date(placement.ended_on),
        is_illustrative=placement.is_illustrative,
    )


def to_wan(amount: Decimal | None) -> Decimal | None:
    """Yuan to 万元, rounded half up to two decimals as Chinese accounts do."""
    if amount is None:
        return None
    return (Decimal(amount) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)
