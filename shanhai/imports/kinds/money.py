"""Project money and annual targets: rows that hang off something already stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core.models import DatePrecision
from shanhai.core.parsing import ParseError, clean_text, parse_quantity
from shanhai.imports.columns import (
    Amount,
    Choice,
    Column,
    Day,
    Integer,
    Lookups,
    PairingRef,
    Text,
    Value,
)
from shanhai.imports.kinds.base import Action as RowAction
from shanhai.imports.kinds.base import Context, Kind, Row
from shanhai.indicators import selectors as indicator_selectors
from shanhai.indicators import services as indicator_services
from shanhai.indicators.models import Indicator
from shanhai.ledger import selectors as ledger_selectors
from shanhai.ledger import services as ledger_services
from shanhai.ledger.models import FundSource, FundTransaction
from shanhai.places.models import Pairing

TRANSACTION_WORDS = {
    "承诺": "commitment",
    "计划": "commitment",
    "安排": "commitment",
    "下达": "commitment",
    "拨付": "disbursement",
    "到位": "disbursement",
    "拨款": "disbursement",
    "支出": "expenditure",
    "使用": "expenditure",
    "报账": "expenditure",
}
FUND_SOURCE_WORDS = {
    "财政": "east_fiscal",
    "东部财政": "east_fiscal",
    "社会": "social",
    "地方": "local",
}


class Transactions(Kind):
    """资金拨付台账: commitments, disbursements and expenditures of aid projects."""

    name = "transactions"
    label = "项目资金"
    key_help = "项目、类型、日期、金额相同的行视为同一笔资金"
    columns = (
        Column("pairing", "结对", PairingRef(), shared="pairing", width=18),
        Column("project", "项目名称", Text(200), ("项目", "援建项目"), required=True, width=30),
        Column(
            "transaction_kind",
            "类型",
            Choice(FundTransaction.TransactionKind.choices, TRANSACTION_WORDS),
            ("资金类型", "拨付类型", "款项类型"),
            required=True,
            example="拨付",
        ),
        Column(
            "transacted_on",
            "日期",
            Day(),
            ("拨付日期", "拨付时间", "支出日期"),
            shared="date",
            required=True,
        ),
        Column(
            "amount",
            "金额（元）",
            Amount(unit="元", positive=True),
            ("拨付金额", "支出金额"),
            shared="amount",
            required=True,
        ),
        Column(
            "fund_source", "资金来源", Choice(FundSource.choices, FUND_SOURCE_WORDS), ("资金性质",)
        ),
        Column("note", "备注", Text(300), shared="remarks"),
    )

    def build(self, row: Row, ctx: Context) -> None:
        pairing = row.get("pairing") or ctx.pairing
        if pairing is None:
            row.error("pairing", _("Say which pairing the row belongs to (column 结对)."))
            return
        projects = self._projects(pairing, row.values["project"], ctx)
        if not projects:
            row.error(
                "project",
                _("%(pairing)s has no aid project “%(title)s”; import the projects first.")
                % {"pairing": pairing, "title": row.values["project"]},
            )
            return
        if len(projects) > 1:
            row.error(
                "project",
                _("Several projects are called “%(title)s”.") % {"title": row.values["project"]},
            )
            return
        project = projects[0]
        if not ctx.remember(
            f"edit:{project.pk}", lambda: ledger_selectors.can_edit(ctx.user, project)
        ):
            row.error("project", _("Only the side that recorded the project adds its money."))
            return
        on, _precision = row.values["transacted_on"]
        entry = FundTransaction(
            project=project,
            transaction_kind=row.values["transaction_kind"],
            transacted_on=on,
            amount=row.values["amount"],
            fund_source=row.get("fund_source") or project.fund_source,
            note=row.get("note", ""),
            recorded_by=ctx.user,
        )
        try:
            entry.clean_fields(exclude=["project", "recorded_by"])
        except ValidationError as error:
            row.invalid(error, {"amount": "amount", "note": "note"})
        row.built = entry
        row.key = (project.pk, entry.transaction_kind, on, entry.amount)

    def _projects(self, pairing: Pairing, title: str, ctx: Context) -> list[Any]:
        key = f"projects:{pairing.pk}:{title}"
        return list(
            ctx.remember(key, lambda: list(ledger_selectors.projects_titled([pairing.pk], [title])))
        )

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        stored = FundTransaction.objects.filter(project_id__in={r.key[0] for r in rows})  # type: ignore[index]
        by_key = {(t.project_id, t.transaction_kind, t.transacted_on, t.amount): t for t in stored}
        for row in rows:
            existing = by_key.get(row.key)  # type: ignore[call-overload]
            if existing is None:
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = {
                name: (getattr(existing, name), getattr(row.built, name))
                for name in ("fund_source", "note")
                if name in row.headers and getattr(existing, name) != getattr(row.built, name)
            }
            # Money is never rewritten by a sheet: a different note is shown, not applied.
            row.action = RowAction.EXISTS if row.changes else RowAction.UNCHANGED

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            entry = row.built
            ledger_services.record_fund_transaction(
                project=entry.project,
                transaction_kind=entry.transaction_kind,
                transacted_on=entry.transacted_on,
                amount=entry.amount,
                recorded_by=ctx.user,
                fund_source=entry.fund_source,
                note=entry.note,
            )

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        return None  # see find_existing: nothing is ever marked for update

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        return ledger_selectors.fund_transactions_for_user(
            user, pairing=pairing, year=year
        ).iterator()

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "pairing": obj.project.pairing,
            "project": obj.project.title,
            "transaction_kind": obj.transaction_kind,
            "transacted_on": (obj.transacted_on, DatePrecision.DAY),
            "amount": obj.amount,
            "fund_source": obj.fund_source,
            "note": obj.note,
        }


class Raw(Value):
    """A cell read later, once the row says what it is (a target's unit is its indicator's)."""

    hint = "数字，可带单位：5.2万、61人"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> Any:
        return cell if not isinstance(cell, str) else clean_text(cell)

    def show(self, value: Any) -> str:
        if isinstance(value, Decimal):
            text = format(value, "f")
            return text.rstrip("0").rstrip(".") if "." in text else text
        return clean_text(value)

    def write(self, value: Any) -> Any:
        return float(value) if isinstance(value, Decimal) else value


class Targets(Kind):
    """年度目标任务: one row per pairing, year and indicator."""

    name = "targets"
    label = "年度目标任务"
    key_help = "结对、年度、指标代码相同的行视为同一项目标"
    columns = (
        Column("pairing", "结对", PairingRef(), shared="pairing", width=18),
        Column(
            "year",
            "年度",
            Integer(unit="年", minimum=2000, maximum=2100),
            ("年份", "考核年度"),
            required=True,
            example=2024,
        ),
        Column(
            "code", "指标代码", Text(20), ("代码", "编号", "指标编号"), required=True, example="A1"
        ),
        Column("indicator_name", "指标名称", Text(300), ("指标",), width=40),
        Column("unit", "单位", Text(20), ("计量单位",), width=8),
        Column("target", "目标", Raw(), ("目标值", "年度目标", "目标任务"), required=True),
    )

    def build(self, row: Row, ctx: Context) -> None:
        pairing = row.get("pairing") or ctx.pairing
        if pairing is None:
            row.error("pairing", _("Say which pairing the row belongs to (column 结对)."))
            return
        if not ctx.may(pairing, Action.PLAN):
            row.error(
                "pairing", _("You may not set the targets of %(pairing)s.") % {"pairing": pairing}
            )
            return
        year = row.values["year"]
        indicator = self._catalogue(year, ctx).get(row.values["code"].upper())
        if indicator is None:
            row.error(
                "code",
                _("There is no indicator “%(code)s” in the %(year)d catalogue.")
                % {"code": row.values["code"], "year": year},
            )
            return
        if indicator.computation == Indicator.Computation.RATIO:
            row.error(
                "code",
                _("%(code)s is computed from other indicators and has no target.")
                % {"code": indicator.code},
            )
            return
        try:
            value = parse_quantity(row.values["target"], unit=indicator.unit)
        except ParseError as error:
            row.error("target", str(error))
            return
        if value >= Decimal(10) ** 12:  # before quantize, which fails past 28 digits
            row.error("target", _("The number is too large."))
            return
        if value < 0 or value != value.quantize(Decimal("0.01")):
            row.error("target", _("A target is a number from zero up, with at most two decimals."))
            return
        row.built = (pairing, year, indicator, value.quantize(Decimal("0.01")))
        row.key = (pairing.pk, year, indicator.pk)

    def _catalogue(self, year: int, ctx: Context) -> dict[str, Indicator]:
        def catalogue() -> dict[str, Indicator]:
            regime = indicator_selectors.regime_for_year(year)
            return {i.code.upper(): i for i in regime.indicators.all()} if regime else {}

        return dict(ctx.remember(f"catalogue:{year}", catalogue))

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        stored: dict[tuple[int, int, int], Decimal] = {}
        for pairing_id, year in {(r.key[0], r.key[1]) for r in rows}:  # type: ignore[index]
            for target in indicator_selectors.targets_for(Pairing(pk=pairing_id), year):
                stored[(pairing_id, year, target.indicator_id)] = target.value
        for row in rows:
            old = stored.get(row.key)  # type: ignore[call-overload]
            new = row.built[3]
            if old is None:
                row.action = RowAction.CREATE
            elif old == new:
                row.action = RowAction.UNCHANGED
            else:
                row.existing = old
                row.changes = {"value": (old, new)}
                row.action = RowAction.UPDATE if ctx.mode == "update" else RowAction.EXISTS

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        self._set(rows, ctx)

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        self._set(rows, ctx)

    def _set(self, rows: Sequence[Row], ctx: Context) -> None:
        groups: dict[tuple[Pairing, int], dict[Indicator, Decimal | None]] = defaultdict(dict)
        for row in rows:
            pairing, year, indicator, value = row.built
            groups[(pairing, year)][indicator] = value
        for (pairing, year), targets in groups.items():
            indicator_services.set_targets(
                pairing=pairing, year=year, targets=targets, set_by=ctx.user
            )

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        return indicator_selectors.targets_for_user(user, pairing=pairing, year=year).iterator()

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "pairing": obj.pairing,
            "year": obj.year,
            "code": obj.indicator.code,
            "indicator_name": obj.indicator.name_zh,
            "unit": obj.indicator.unit,
            "target": obj.value,
        }


KINDS = (Transactions, Targets)
