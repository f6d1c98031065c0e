"""The annual report of a pairing: indicator figures by category and the ledger behind them.

``build_annual_report`` reads everything through the indicators' and the ledger's selectors and
returns a plain :class:`AnnualReport`; the writers (``writers.py``) only lay it out, without a
query of their own. The report is a Chinese document whatever the reader's interface language:
it is built under ``zh-hans`` and its labels are Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone, translation

from shanhai.accounts.models import User
from shanhai.core.formats import partial_date
from shanhai.indicators.selectors import IndicatorValue, Status, progress
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import records_in_period
from shanhai.places.models import Pairing

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


def to_wan(amount: Decimal | None) -> Decimal | None:
    """Yuan to 万元, rounded half up to two decimals as Chinese accounts do."""
    if amount is None:
        return None
    return (Decimal(amount) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)
