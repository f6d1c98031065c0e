"""Consumption assistance from operators' sheets: suppliers, their products, and sale lines.

Suppliers are the same when their pairing and name are; a row may carry one year's benefit
linkage (联农带农), recorded with the supplier. Products are the same when their supplier,
name and spec are. Both are written through shanhai.consumption.services, row by row.

A sale line is the same when its channel and the channel's order id are: a sheet sent again
finds its lines already there ("unchanged") and changes nothing, as the API's replays do. Lines
are checked here, without writing, and only the commit hands them to services.ingest_sales, a
channel's lines at a time; a line the service still refuses undoes the whole import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.consumption import rules
from shanhai.consumption import selectors as consumption_selectors
from shanhai.consumption import services as consumption_services
from shanhai.consumption.models import (
    BenefitLinkage,
    Channel,
    EntryMethod,
    Product,
    ProductCategory,
    SaleLine,
    Supplier,
)
from shanhai.core.models import DatePrecision
from shanhai.core.parsing import ParseError, clean_text, parse_quantity
from shanhai.imports.columns import (
    Amount,
    Choice,
    Choices,
    Column,
    Day,
    Integer,
    Lookups,
    PairingRef,
    PlaceRef,
    Text,
    Value,
)
from shanhai.imports.kinds.base import Action as RowAction
from shanhai.imports.kinds.base import Context, Kind, Row
from shanhai.imports.kinds.labor import Phone
from shanhai.imports.kinds.registry import CreditCode
from shanhai.places.models import Pairing
from shanhai.places.selectors import is_year_locked

SUPPLIER_WORDS = {
    "企业": Supplier.Kind.ENTERPRISE,
    "公司": Supplier.Kind.ENTERPRISE,
    "龙头企业": Supplier.Kind.ENTERPRISE,
    "农业企业": Supplier.Kind.ENTERPRISE,
    "合作社": Supplier.Kind.COOPERATIVE,
    "专业合作社": Supplier.Kind.COOPERATIVE,
    "农民专业合作社": Supplier.Kind.COOPERATIVE,
    "农民合作社": Supplier.Kind.COOPERATIVE,
    "家庭农场": Supplier.Kind.FAMILY_FARM,
    "农场": Supplier.Kind.FAMILY_FARM,
    "种养殖大户": Supplier.Kind.BIG_GROWER,
    "种植大户": Supplier.Kind.BIG_GROWER,
    "养殖大户": Supplier.Kind.BIG_GROWER,
    "种养大户": Supplier.Kind.BIG_GROWER,
    "大户": Supplier.Kind.BIG_GROWER,
    "经纪人": Supplier.Kind.AGENT,
    "农村经纪人": Supplier.Kind.AGENT,
    "经销商": Supplier.Kind.AGENT,
    "贸易商": Supplier.Kind.AGENT,
    "收购商": Supplier.Kind.AGENT,
}
CATEGORY_WORDS = {
    "水果": ProductCategory.FRUIT,
    "鲜果": ProductCategory.FRUIT,
    "果品": ProductCategory.FRUIT,
    "蔬菜": ProductCategory.VEGETABLES,
    "果蔬": ProductCategory.VEGETABLES,
    "粮油": ProductCategory.GRAIN_OIL,
    "粮食": ProductCategory.GRAIN_OIL,
    "米面粮油": ProductCategory.GRAIN_OIL,
    "食用油": ProductCategory.GRAIN_OIL,
    "肉禽蛋": ProductCategory.MEAT_EGGS,
    "肉类": ProductCategory.MEAT_EGGS,
    "禽蛋": ProductCategory.MEAT_EGGS,
    "畜禽": ProductCategory.MEAT_EGGS,
    "畜禽产品": ProductCategory.MEAT_EGGS,
    "茶叶": ProductCategory.TEA,
    "茶": ProductCategory.TEA,
    "食用菌": ProductCategory.MUSHROOMS,
    "菌菇": ProductCategory.MUSHROOMS,
    "菌类": ProductCategory.MUSHROOMS,
    "中药材": ProductCategory.HERBS,
    "药材": ProductCategory.HERBS,
    "加工食品": ProductCategory.PROCESSED,
    "加工品": ProductCategory.PROCESSED,
    "农副产品": ProductCategory.PROCESSED,
    "农副加工品": ProductCategory.PROCESSED,
    "手工艺品": ProductCategory.HANDICRAFT,
    "工艺品": ProductCategory.HANDICRAFT,
    "民族手工艺品": ProductCategory.HANDICRAFT,
    "其他": ProductCategory.OTHER,
    "其它": ProductCategory.OTHER,
}
LINKAGE_WORDS = {
    "订单收购": BenefitLinkage.Kind.PURCHASE,
    "订单": BenefitLinkage.Kind.PURCHASE,
    "收购": BenefitLinkage.Kind.PURCHASE,
    "订单带动": BenefitLinkage.Kind.PURCHASE,
    "务工": BenefitLinkage.Kind.WAGES,
    "务工就业": BenefitLinkage.Kind.WAGES,
    "就业": BenefitLinkage.Kind.WAGES,
    "劳务": BenefitLinkage.Kind.WAGES,
    "工资": BenefitLinkage.Kind.WAGES,
    "分红": BenefitLinkage.Kind.DIVIDENDS,
    "入股分红": BenefitLinkage.Kind.DIVIDENDS,
    "股金分红": BenefitLinkage.Kind.DIVIDENDS,
    "土地流转": BenefitLinkage.Kind.LAND_RENT,
    "流转": BenefitLinkage.Kind.LAND_RENT,
    "租金": BenefitLinkage.Kind.LAND_RENT,
    "土地租金": BenefitLinkage.Kind.LAND_RENT,
}
LINKAGE_DEFAULTS: dict[str, Any] = {
    "kinds": [],
    "households": 0,
    "poverty_exited_households": 0,
    "monitored_households": 0,
    "paid_amount": Decimal(0),
}
LINKAGE_FIELDS = tuple(LINKAGE_DEFAULTS)


# --- Cells -------------------------------------------------------------------------------------


def _number_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_NUMERALS = "0-9〇零一二两三四五六七八九十百千万亿"
_UNIT_WORD = re.compile(rf"^(.*[{_NUMERALS}])\s*([^\s.{_NUMERALS}]{{1,4}})$")


@dataclass
class Quantity(Value):
    """A positive number, perhaps with its unit written after it (50箱): (number, unit)."""

    places: int = 2
    hint: str = "数字，如 50 或 50箱（单位须与产品的单位一致）"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> tuple[Decimal, str]:
        written = ""
        try:
            number = parse_quantity(cell)
        except ParseError:
            match = _UNIT_WORD.match(clean_text(cell))
            if match is None:
                raise
            try:
                number = parse_quantity(match[1])
            except ParseError:
                raise ParseError(
                    _("“%(text)s” is not a number.") % {"text": clean_text(cell)}
                ) from None
            written = match[2]
        if number <= 0:
            raise ParseError(_("The quantity must be more than zero."))
        if number >= Decimal(10) ** 12:  # before quantize, which fails past 28 digits
            raise ParseError(_("The quantity is too large."))
        step = Decimal(1).scaleb(-self.places)
        if number != number.quantize(step):
            raise ParseError(
                _("A quantity has at most %(places)d decimal places.") % {"places": self.places}
            )
        return number.quantize(step), written

    def show(self, value: Any) -> str:
        if value is None:
            return ""
        number = value[0] if isinstance(value, tuple) else value
        return _number_text(Decimal(number))

    def write(self, value: Any) -> Any:
        if value is None:
            return None
        number = value[0] if isinstance(value, tuple) else value
        return float(number)


_CHINESE_MONTHS = (
    ("十二", "12"),
    ("十一", "11"),
    ("十", "10"),
    *zip("一二三四五六七八九", "123456789", strict=True),
)
_MONTH_PART = re.compile(r"^(\d{1,2})月?(?:份)?(?:(?:-+|~|—+|–|至|到)(\d{1,2})月?(?:份)?)?$")
_MONTH_SEPARATORS = re.compile(r"[、,;/\s]+")
ALL_YEAR_WORDS = ("全年", "常年", "全年供应", "四季", "一年四季", "常年供应")


@dataclass
class Months(Value):
    """The months a product is supplied: 9-11月, 9,10,11, 11月至次年2月, 全年 → [9, 10, 11]."""

    hint: str = "9-11月、9,10,11 或 全年"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> list[int]:
        if isinstance(cell, date):
            raise ParseError(
                _(
                    "The cell holds the date %(date)s, not months: Excel turned “9-11” into a"
                    " date. Write it as 9-11月."
                )
                % {"date": clean_text(cell)}
            )
        text = clean_text(cell).replace("次年", "")
        if text in ALL_YEAR_WORDS:
            return []
        for chinese, arabic in _CHINESE_MONTHS:
            text = text.replace(chinese, arabic)
        months: set[int] = set()
        for part in _MONTH_SEPARATORS.split(text):
            if not part:
                continue
            match = _MONTH_PART.match(part)
            first = int(match[1]) if match else 0
            last = int(match[2] or match[1]) if match else 0
            if not (1 <= first <= 12 and 1 <= last <= 12):
                raise ParseError(
                    _("“%(text)s” is not a list of months: write e.g. 9-11月, 9,10,11 or 全年.")
                    % {"text": clean_text(cell)}
                )
            if first <= last:
                months.update(range(first, last + 1))
            else:  # 11-2月: November to February
                months.update([*range(first, 13), *range(1, last + 1)])
        return [] if len(months) == 12 else sorted(months)

    def show(self, value: Any) -> str:
        return "" if value is None else rules.months_label(list(value))


@dataclass
class Decimal3(Value):
    """A positive decimal number with up to three places (kilograms per unit)."""

    hint: str = "数字，如 2.5"

    def parse(self, cell: Any, *, unit: str, lookups: Lookups) -> Decimal:
        number = parse_quantity(cell, unit="公斤", also=("kg", "千克"))
        if number <= 0:
            raise ParseError(_("Give a number more than zero."))
        if number >= 10**7:
            raise ParseError(_("The quantity is too large."))
        if number != number.quantize(Decimal("0.001")):
            raise ParseError(_("A quantity has at most %(places)d decimal places.") % {"places": 3})
        return number.quantize(Decimal("0.001"))

    def show(self, value: Any) -> str:
        return "" if value is None else _number_text(Decimal(value))

    def write(self, value: Any) -> Any:
        return None if value is None else float(value)


# --- Shared columns and helpers ----------------------------------------------------------------

PAIRING = Column("pairing", "结对", PairingRef(), shared="pairing", width=18)


def _pairing_of(row: Row, ctx: Context) -> Pairing | None:
    pairing: Pairing | None = row.get("pairing") or ctx.pairing
    if pairing is None:
        row.error("pairing", _("Say which pairing the row belongs to (column 结对)."))
    return pairing


def _may_record(row: Row, ctx: Context, pairing: Pairing, key: str = "pairing") -> bool:
    if ctx.may(pairing, Action.RECORD):
        return True
    row.error(key, _("You may not record in %(pairing)s.") % {"pairing": pairing})
    return False


def _as_day(on: date | None) -> tuple[date, str] | None:
    return (on, DatePrecision.DAY) if on else None


def _decide(row: Row, ctx: Context, *, updatable: bool = True) -> None:
    if not row.changes:
        row.action = RowAction.UNCHANGED
    elif updatable and ctx.mode == "update":
        row.action = RowAction.UPDATE
    else:
        row.action = RowAction.EXISTS


def _changes(existing: Any, new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (getattr(existing, name), value)
        for name, value in new.items()
        if getattr(existing, name) != value
    }


# --- Suppliers ---------------------------------------------------------------------------------

SUPPLIER_FIELDS = ("kind", "place", "credit_code", "contact_name", "contact_phone")


@dataclass
class SupplierDraft:
    pairing: Pairing
    name: str
    fields: dict[str, Any]  # the supplier's fields the row fills
    year: int | None = None
    linkage: dict[str, Any] = field(default_factory=dict)  # the year's linkage fields filled


@dataclass
class SupplierYear:
    """What a supplier's export row shows: the supplier and one year's linkage."""

    supplier: Supplier
    linkage: BenefitLinkage | None


class Suppliers(Kind):
    """供应主体名录: western producers and traders, with one year's benefit linkage per row."""

    name = "suppliers"
    label = "供应主体"
    key_help = "结对与名称相同的行视为同一供应主体"
    columns = (
        PAIRING,
        Column(
            "name",
            "名称",
            Text(200),
            ("供应主体", "供应主体名称", "主体名称", "企业名称", "合作社名称", "经营主体名称"),
            required=True,
            example="威信县金鸡猕猴桃种植专业合作社",
            width=30,
        ),
        Column(
            "kind",
            "类型",
            Choice(Supplier.Kind.choices, SUPPLIER_WORDS),
            ("主体类型", "供应主体类型", "经营主体类型", "性质"),
            required=True,
            example="合作社",
        ),
        Column(
            "place",
            "所在乡镇/村",
            PlaceRef(),
            ("所在乡镇", "所在村", "乡镇/村", "乡镇村", "地址", "所在地址"),
            shared="place",
            required=True,
            example="威信县麟凤镇",
            width=20,
        ),
        Column(
            "credit_code",
            "统一社会信用代码",
            CreditCode(),
            ("信用代码", "社会信用代码", "营业执照号"),
            width=22,
        ),
        Column("contact_name", "联系人", Text(50), ("负责人", "法人", "法定代表人")),
        Column("contact_phone", "联系电话", Phone(), shared="phone", width=16),
        Column(
            "registered_on", "登记日期", Day(), ("入库日期", "注册日期", "登记时间", "成立日期")
        ),
        Column(
            "year",
            "年度",
            Integer(minimum=2000, maximum=2100),
            ("年份", "联农带农年度"),
            help="下面几列联农带农情况所属的年度；不填时只登记主体",
            example=2023,
            width=8,
        ),
        Column(
            "kinds",
            "联农带农方式",
            Choices(BenefitLinkage.Kind.choices, LINKAGE_WORDS),
            ("带农方式", "利益联结方式", "联农带农形式", "带动方式"),
            example="订单收购、务工",
        ),
        Column(
            "households",
            "带动农户数",
            Integer(unit="户"),
            ("带动户数", "联农带农户数", "带动农户", "受益农户数"),
            example=120,
        ),
        Column(
            "poverty_exited_households",
            "其中脱贫户",
            Integer(unit="户"),
            ("脱贫户数", "带动脱贫户", "带动脱贫户数"),
        ),
        Column(
            "monitored_households",
            "其中监测户",
            Integer(unit="户"),
            ("监测户数", "带动监测户", "监测对象户数"),
        ),
        Column(
            "paid_amount",
            "带动增收金额（元）",
            Amount(unit="元"),
            ("带动增收", "带农增收金额", "户均增收总额", "联农带农金额", "支付农户金额"),
            help="付给所带动农户的钱：收购款、工资、分红、租金之和；表头写（万元）时按万元读",
        ),
    )

    def build(self, row: Row, ctx: Context) -> None:
        pairing = _pairing_of(row, ctx)
        if pairing is None or not _may_record(row, ctx, pairing):
            return
        draft = SupplierDraft(
            pairing=pairing,
            name=row.values["name"],
            fields={k: row.values[k] for k in SUPPLIER_FIELDS if k in row.values},
            year=row.get("year"),
            linkage={k: row.values[k] for k in LINKAGE_FIELDS if k in row.values},
        )
        if "registered_on" in row.values:
            draft.fields["registered_on"] = row.values["registered_on"][0]
        if draft.linkage and draft.year is None:
            row.error("year", _("Say which year the benefit linkage is for (column 年度)."))
            return
        if not draft.linkage:
            draft.year = None  # a year with nothing about it: no linkage to record
        row.built = draft
        row.key = (pairing.pk, draft.name)

    def _check_linkage(self, row: Row, linkage: dict[str, Any]) -> None:
        households = linkage.get("households", 0)
        parts = linkage.get("poverty_exited_households", 0) + linkage.get("monitored_households", 0)
        if parts > households:
            row.error(
                "poverty_exited_households"
                if "poverty_exited_households" in row.values
                else "monitored_households",
                _(
                    "Poverty-exited and monitored households (%(parts)d) cannot exceed the"
                    " households linked (%(households)d)."
                )
                % {"parts": parts, "households": households},
            )

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: SupplierDraft = row.built
            existing = (
                consumption_selectors.suppliers_for_user(ctx.user, pairing=draft.pairing)
                .filter(pairing=draft.pairing, name=draft.name)
                .prefetch_related("linkages")
                .first()
            )
            stored_linkage = None
            if existing is not None and draft.year is not None:
                stored_linkage = next(
                    (link for link in existing.linkages.all() if link.year == draft.year), None
                )
            if draft.year is not None:
                base = (
                    {k: getattr(stored_linkage, k) for k in LINKAGE_FIELDS}
                    if stored_linkage is not None
                    else LINKAGE_DEFAULTS
                )
                self._check_linkage(row, {**base, **draft.linkage})
                if row.errors:
                    continue
            if existing is None:
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = _changes(existing, draft.fields)
            if draft.year is not None:
                if stored_linkage is None:  # named by the cell that says so: 年度
                    row.changes["year"] = (None, draft.year)
                else:
                    row.changes.update(_changes(stored_linkage, draft.linkage))
            adds_a_year = set(row.changes) == {"year"}
            if adds_a_year:  # a new year's linkage adds to the supplier, changes nothing
                row.action = RowAction.UPDATE
            else:
                _decide(row, ctx)

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: SupplierDraft = row.built
            supplier = consumption_services.register_supplier(
                pairing=draft.pairing,
                recorded_by=ctx.user,
                name=draft.name,
                source=ctx.source,
                **draft.fields,
            )
            self._record_linkage(supplier, draft, ctx)

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: SupplierDraft = row.built
            supplier: Supplier = row.existing
            changed = {k: v for k, v in draft.fields.items() if k in row.changes}
            if changed:
                supplier = consumption_services.update_supplier(
                    supplier=supplier, changed_by=ctx.user, **changed
                )
            if {"year", *LINKAGE_FIELDS} & set(row.changes):
                self._record_linkage(supplier, draft, ctx)

    @staticmethod
    def _record_linkage(supplier: Supplier, draft: SupplierDraft, ctx: Context) -> None:
        if draft.year is None:
            return
        consumption_services.record_linkage(
            supplier=supplier, year=draft.year, recorded_by=ctx.user, **draft.linkage
        )

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        suppliers = (
            consumption_selectors.suppliers_for_user(user, pairing=pairing)
            .prefetch_related("linkages")
            .order_by("pairing__path", "name", "id")
        )
        for supplier in suppliers:
            # The year's linkage, or (no year asked) the latest: one row per supplier.
            linkages = [link for link in supplier.linkages.all() if year in (None, link.year)]
            yield SupplierYear(supplier, max(linkages, key=lambda link: link.year, default=None))

    def export_values(self, obj: Any) -> dict[str, Any]:
        linkage = obj.linkage
        obj = obj.supplier
        values: dict[str, Any] = {
            "pairing": obj.pairing,
            "name": obj.name,
            "kind": obj.kind,
            "place": obj.place,
            "credit_code": obj.credit_code,
            "contact_name": obj.contact_name,
            "contact_phone": obj.contact_phone,
            "registered_on": _as_day(obj.registered_on),
        }
        if linkage is not None:
            values["year"] = linkage.year
            values.update({name: getattr(linkage, name) for name in LINKAGE_FIELDS})
        return values


# --- Products ----------------------------------------------------------------------------------

PRODUCT_FIELDS = (
    "category",
    "unit",
    "unit_kg",
    "origin",
    "reference_price",
    "season_months",
    "capacity_amount",
    "trace_code",
)


def _find_supplier(row: Row, ctx: Context, key: str = "supplier") -> Supplier | None:
    """The supplier a row names, in its pairing (结对, or the import's) or anywhere one may see."""
    name = row.values[key]
    pairing: Pairing | None = row.get("pairing") or ctx.pairing
    found = list(
        ctx.remember(
            f"suppliers:{pairing.pk if pairing else ''}:{name}",
            lambda: list(
                consumption_selectors.suppliers_for_user(ctx.user, pairing=pairing)
                .filter(name=name)
                .order_by("pairing__path")[:5]
            ),
        )
    )
    if len(found) > 1 and pairing is not None:
        found = [s for s in found if s.pairing_id == pairing.pk] or found
    if not found:
        row.error(
            key,
            _("No supplier called “%(name)s” is registered; import the suppliers first.")
            % {"name": name},
        )
        return None
    if len(found) > 1:
        row.error(
            key,
            _("Several suppliers are called “%(name)s”; say which pairing (column 结对).")
            % {"name": name},
        )
        return None
    supplier: Supplier = found[0]
    return supplier


@dataclass
class ProductDraft:
    supplier: Supplier
    name: str
    spec: str
    capacity_quantity: Decimal
    fields: dict[str, Any]  # the product's other fields the row fills


class Products(Kind):
    """产品名录: what each supplier offers, its price, season and declared annual capacity."""

    name = "products"
    label = "产品"
    key_help = "同一供应主体、产品名称、规格相同的行视为同一产品"
    columns = (
        PAIRING,
        Column(
            "supplier",
            "供应主体",
            Text(200),
            ("供应主体名称", "供货主体", "生产主体", "供应商", "生产企业", "企业名称"),
            required=True,
            example="威信县金鸡猕猴桃种植专业合作社",
            width=30,
        ),
        Column(
            "name",
            "产品名称",
            Text(100),
            ("产品", "商品名称", "品名", "产品名"),
            required=True,
            example="红心猕猴桃",
            width=18,
        ),
        Column(
            "category",
            "品类",
            Choice(ProductCategory.choices, CATEGORY_WORDS),
            ("产品类别", "类别", "品种类别", "产品品类", "分类"),
            required=True,
            example="水果",
        ),
        Column("spec", "规格", Text(100), ("产品规格", "包装规格"), example="5斤装"),
        Column(
            "unit", "单位", Text(10), ("计量单位", "销售单位"), help="不填时为“斤”", example="箱"
        ),
        Column(
            "unit_kg",
            "每单位公斤数",
            Decimal3(),
            ("单位重量", "每单位重量", "净重", "每件公斤数"),
            help="单位不是重量（箱、盒、件）时填写每单位多少公斤，用于折算吨数",
            example=2.5,
        ),
        Column(
            "origin",
            "产地",
            PlaceRef(),
            ("产地乡镇", "产地（乡镇/村）", "生产地"),
            help="不填时为供应主体所在地",
        ),
        Column(
            "reference_price",
            "参考价（元）",
            Amount(unit="元", positive=True),
            ("参考价格", "单价", "销售单价", "指导价", "参考单价"),
            required=True,
            example=60,
        ),
        Column(
            "season_months",
            "供应月份",
            Months(),
            ("供应期", "上市时间", "供货月份", "上市月份", "供应时间"),
            example="9-11月",
        ),
        Column(
            "capacity_quantity",
            "年供应量",
            Quantity(),
            ("年供应能力数量", "年供应数量", "供应能力数量", "年供应能力", "年产量"),
            help="一年可供应多少（按“单位”计）",
            required=True,
            example=1000,
        ),
        Column(
            "capacity_amount",
            "年供应额（元）",
            Amount(unit="元"),
            ("年供应能力金额", "年供应金额", "供应能力金额", "年产值", "年销售额"),
            help="一年可供应的货值；表头写（万元）时按万元读",
            required=True,
            example=600000,
        ),
        Column(
            "trace_code",
            "溯源码",
            Text(64),
            ("追溯码", "产品溯源码", "溯源编码", "二维码编号"),
            width=18,
        ),
    )

    def build(self, row: Row, ctx: Context) -> None:
        supplier = _find_supplier(row, ctx)
        if supplier is None or not _may_record(row, ctx, supplier.pairing, "supplier"):
            return
        quantity, written_unit = row.values["capacity_quantity"]
        fields = {k: row.values[k] for k in PRODUCT_FIELDS if k in row.values}
        unit = fields.get("unit") or "斤"
        if written_unit and written_unit != unit:
            row.error(
                "capacity_quantity",
                _("The product is counted in %(unit)s, not in %(written)s.")
                % {"unit": unit, "written": written_unit},
            )
            return
        row.built = ProductDraft(
            supplier=supplier,
            name=row.values["name"],
            spec=row.get("spec", ""),
            capacity_quantity=quantity,
            fields=fields,
        )
        row.key = (supplier.pk, row.built.name, row.built.spec)
        trace_code = fields.get("trace_code")
        if trace_code:
            self._check_trace_code(row, ctx, trace_code)

    def _check_trace_code(self, row: Row, ctx: Context, trace_code: str) -> None:
        """A trace code names one product: not another stored one, nor another row's."""
        draft: ProductDraft = row.built
        key = (draft.supplier.pk, draft.name, draft.spec)
        used: dict[str, tuple[Any, int]] = ctx.cache.setdefault("products:trace_codes", {})
        if trace_code in used and used[trace_code][0] != key:
            row.error(
                "trace_code",
                _("Row %(row)d has the same trace code.") % {"row": used[trace_code][1]},
            )
            return
        used.setdefault(trace_code, (key, row.number))
        other = _product_by_trace_code(trace_code)
        if other is not None and (other.supplier_id, other.name, other.spec) != key:
            row.error(
                "trace_code",
                _("Trace code %(code)s is already used by %(product)s.")
                % {"code": trace_code, "product": other},
            )

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: ProductDraft = row.built
            existing = (
                consumption_selectors.products_for_user(ctx.user)
                .filter(supplier=draft.supplier, name=draft.name, spec=draft.spec)
                .first()
            )
            if existing is None:
                row.action = RowAction.CREATE
                continue
            row.existing = existing
            row.changes = _changes(
                existing, {**draft.fields, "capacity_quantity": draft.capacity_quantity}
            )
            _decide(row, ctx)

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: ProductDraft = row.built
            consumption_services.register_product(
                supplier=draft.supplier,
                recorded_by=ctx.user,
                name=draft.name,
                spec=draft.spec,
                capacity_quantity=draft.capacity_quantity,
                **draft.fields,
            )

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        for row in rows:
            draft: ProductDraft = row.built
            new = {**draft.fields, "capacity_quantity": draft.capacity_quantity}
            consumption_services.update_product(
                product=row.existing,
                changed_by=ctx.user,
                **{k: v for k, v in new.items() if k in row.changes},
            )

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        return (
            consumption_selectors.products_for_user(user, pairing=pairing)
            .select_related("supplier__pairing")
            .order_by("supplier__pairing__path", "supplier__name", "name", "spec", "id")
        )

    def export_values(self, obj: Any) -> dict[str, Any]:
        return {
            "pairing": obj.supplier.pairing,
            "supplier": obj.supplier.name,
            "name": obj.name,
            "category": obj.category,
            "spec": obj.spec,
            "unit": obj.unit,
            "unit_kg": obj.unit_kg,
            "origin": obj.origin,
            "reference_price": obj.reference_price,
            "season_months": obj.season_months or None,
            "capacity_quantity": obj.capacity_quantity,
            "capacity_amount": obj.capacity_amount,
            "trace_code": obj.trace_code,
        }


def _product_by_trace_code(trace_code: str) -> Product | None:
    """The product printed with this trace code: a public label, so looked up everywhere."""
    return Product.objects.select_related("supplier__pairing").filter(trace_code=trace_code).first()


# --- Sales -------------------------------------------------------------------------------------


@dataclass
class SaleDraft:
    channel: Channel
    product: Product
    pairing: Pairing  # credited: the row's 结对, else the product's own pairing
    sale: consumption_services.SaleInput


# Which column each field of the sales service's LineError is read from.
SALE_FIELD_COLUMNS = {
    "order_id": "order_id",
    "product": "product",
    "pairing": "pairing",
    "sold_on": "sold_on",
    "quantity": "quantity",
    "amount": "amount",
    "buyer": "buyer",
}


class Sales(Kind):
    """销售明细: a channel's sale lines under its own order ids; counted when certified."""

    name = "sales"
    label = "销售明细"
    key_help = "同一渠道、同一订单号的行视为同一笔销售，已导入的订单不会重复计入"
    columns = (
        Column(
            "channel",
            "渠道",
            Text(100),
            ("销售渠道", "渠道名称", "销售平台", "平台名称", "平台"),
            required=True,
            example="森鲜馆",
            width=16,
        ),
        Column(
            "order_id",
            "订单号",
            Text(64),
            ("订单编号", "订单ID", "订单号码", "单号", "交易单号", "流水号"),
            required=True,
            example="SX20230915001",
            width=20,
        ),
        Column(
            "sold_on",
            "销售日期",
            Day(),
            ("下单日期", "下单时间", "交易日期", "交易时间", "销售时间", "购买日期"),
            shared="date",
            required=True,
            example="2023年9月15日",
        ),
        Column(
            "product",
            "产品",
            Text(100),
            ("产品名称", "商品名称", "商品", "品名"),
            help="产品名称；同名产品有几种规格时填“规格”，也可只填“溯源码”",
            example="红心猕猴桃",
            width=18,
        ),
        Column("spec", "规格", Text(100), ("产品规格", "商品规格"), example="5斤装"),
        Column("supplier", "供应主体", Text(200), ("供应商", "生产主体", "供货主体"), width=24),
        Column("trace_code", "溯源码", Text(64), ("追溯码", "产品溯源码", "溯源编码"), width=18),
        Column(
            "quantity",
            "数量",
            Quantity(),
            ("销售数量", "购买数量", "件数", "销量"),
            required=True,
            example=10,
        ),
        Column(
            "amount",
            "金额（元）",
            Amount(unit="元"),
            ("销售金额", "销售额", "订单金额", "成交金额", "实付金额"),
            shared="amount",
            required=True,
            example=600,
        ),
        Column(
            "buyer",
            "购买方",
            Text(200),
            ("购买单位", "采购单位", "采购方", "买方", "客户名称"),
            help="已登记的购买方名称；不填时计为帮助销售",
            width=20,
        ),
        Column(
            "pairing",
            "结对",
            PairingRef(),
            shared="pairing",
            help="计入哪个结对；不填时计入产品所属结对",
            width=18,
        ),
    )

    def build(self, row: Row, ctx: Context) -> None:
        sold_on = self._sold_on(row)
        channel = self._channel(row, ctx)
        product = self._product(row, ctx)
        buyer_id = self._buyer_id(row, ctx)
        if sold_on is None or channel is None or product is None or row.errors:
            return
        quantity, written_unit = row.values["quantity"]
        if written_unit and written_unit != product.unit:
            row.error(
                "quantity",
                _("%(product)s is sold by the %(unit)s, not by the %(written)s.")
                % {"product": product, "unit": product.unit, "written": written_unit},
            )
            return
        credited: Pairing | None = row.get("pairing")
        pairing = credited or product.supplier.pairing
        locked = ctx.remember(
            f"locked:{pairing.pk}:{sold_on.year}", lambda: is_year_locked(pairing, sold_on.year)
        )
        if locked:
            row.error(
                "sold_on",
                _("%(year)s is locked for this pairing; its sales can no longer change.")
                % {"year": sold_on.year},
            )
            return
        self._warn(row, ctx, product, sold_on, quantity)
        order_id = row.values["order_id"]
        row.built = SaleDraft(
            channel=channel,
            product=product,
            pairing=pairing,
            sale=consumption_services.SaleInput(
                order_id=order_id,
                sold_on=sold_on,
                product_id=product.pk,
                quantity=quantity,
                amount=row.values["amount"],
                pairing_id=credited.pk if credited else None,
                buyer_id=buyer_id,
            ),
        )
        row.key = (channel.pk, order_id)

    @staticmethod
    def _warn(row: Row, ctx: Context, product: Product, sold_on: date, quantity: Decimal) -> None:
        """Say which flags the line will carry: it is stored and shown, but may not count."""
        spans = ctx.remember(
            f"validities:{product.pk}",
            lambda: consumption_selectors.validities([product.pk]).get(product.pk, []),
        )
        if not rules.is_certified_on(spans, sold_on):
            row.warn(
                "sold_on",
                _("%(product)s was not certified on this day: the sale is kept but not counted.")
                % {"product": product},
            )
        amount = row.values["amount"]
        if rules.price_is_off(amount=amount, quantity=quantity, reference=product.reference_price):
            row.warn(
                "amount",
                _("%(price)s yuan per %(unit)s; reference %(reference)s.")
                % {
                    "price": (amount / quantity).quantize(Decimal("0.01")),
                    "unit": product.unit,
                    "reference": product.reference_price,
                },
            )

    @staticmethod
    def _sold_on(row: Row) -> date | None:
        """The day of the sale, if the row gives one the sales service would take."""
        sold_on, precision = row.values["sold_on"]
        if precision != DatePrecision.DAY:
            row.error("sold_on", _("Give the day of the sale, not only the month or year."))
        elif sold_on > timezone.localdate():
            row.error("sold_on", _("The date sold is in the future."))
        elif sold_on < consumption_services.EARLIEST_SALE:
            row.error("sold_on", _("The date sold is before 2000."))
        else:
            day: date = sold_on
            return day
        return None

    def _channel(self, row: Row, ctx: Context) -> Channel | None:
        name = row.values["channel"]
        channel: Channel | None = ctx.remember(
            f"channel:{name}",
            lambda: consumption_selectors.channels_for_user(ctx.user).filter(name=name).first(),
        )
        if channel is None:
            row.error(
                "channel",
                _("No channel called “%(name)s” that you may see; register the channel first.")
                % {"name": name},
            )
            return None
        if not _may_record(row, ctx, channel.pairing, "channel"):
            return None
        if not channel.is_active:
            row.error("channel", _("This channel is closed."))
            return None
        return channel

    def _product(self, row: Row, ctx: Context) -> Product | None:
        trace_code = row.get("trace_code", "")
        name = row.get("product", "")
        if trace_code:
            product: Product | None = ctx.remember(
                f"trace:{trace_code}", lambda: _product_by_trace_code(trace_code)
            )
            if product is None:
                row.error(
                    "trace_code",
                    _("No product has the trace code %(code)s.") % {"code": trace_code},
                )
            elif name and name != product.name:
                row.error(
                    "product",
                    _("Trace code %(code)s is of %(product)s, not of “%(name)s”.")
                    % {"code": trace_code, "product": product.name, "name": name},
                )
                return None
            return product
        if not name:
            row.error("product", _("Give the product's name (or its trace code)."))
            return None
        spec = row.get("spec")
        supplier = row.get("supplier")
        found: list[Product] = ctx.remember(
            f"products:{name}:{spec}:{supplier}",
            lambda: self._products_named(ctx, name, spec, supplier),
        )
        if not found:
            row.error(
                "product",
                _("No product called “%(name)s”%(spec)s is registered; import the products first.")
                % {"name": name, "spec": f"（{spec}）" if spec else ""},
            )
            return None
        if len(found) > 1 and spec is None:  # a blank 规格 is the product without one
            found = [p for p in found if not p.spec] or found
        if len(found) > 1:
            suppliers = {p.supplier_id for p in found}
            row.error(
                "product",
                _("Several suppliers sell “%(name)s”; say which (column 供应主体).")
                % {"name": name}
                if len(suppliers) > 1
                else _("“%(name)s” comes in several specs (%(specs)s); say which (column 规格).")
                % {"name": name, "specs": "、".join(p.spec or "—" for p in found)},
            )
            return None
        return found[0]

    @staticmethod
    def _products_named(
        ctx: Context, name: str, spec: str | None, supplier: str | None
    ) -> list[Product]:
        products = consumption_selectors.products_for_user(ctx.user, pairing=ctx.pairing).filter(
            name=name
        )
        if spec is not None:
            products = products.filter(spec=spec)
        if supplier is not None:
            products = products.filter(supplier__name=supplier)
        return list(products.select_related("supplier__pairing").order_by("pk")[:10])

    def _buyer_id(self, row: Row, ctx: Context) -> int | None:
        name = row.get("buyer")
        if not name:
            return None
        buyer_id: int | None = ctx.remember(
            f"buyer:{name}",
            lambda: (
                consumption_selectors.buyers()
                .filter(name=name)
                .values_list("pk", flat=True)
                .first()
            ),
        )
        if buyer_id is None:
            row.error(
                "buyer",
                _("No buyer called “%(name)s” is registered; register the buyer first.")
                % {"name": name},
            )
        return buyer_id

    def find_existing(self, rows: Sequence[Row], ctx: Context) -> None:
        by_channel: dict[Channel, list[Row]] = {}
        for row in rows:
            by_channel.setdefault(row.built.channel, []).append(row)
        for channel, group in by_channel.items():
            stored = {
                line.order_id: line
                for line in consumption_selectors.sale_lines_for_user(ctx.user).filter(
                    channel=channel, order_id__in=[r.built.sale.order_id for r in group]
                )
            }
            for row in group:
                draft: SaleDraft = row.built
                existing = stored.get(draft.sale.order_id)
                if existing is None:
                    row.action = RowAction.CREATE
                    continue
                row.existing = existing
                row.changes = self._changes(existing, draft)
                # Already received: a replay when the same, kept as first sent when not.
                _decide(row, ctx, updatable=False)

    @staticmethod
    def _changes(line: SaleLine, draft: SaleDraft) -> dict[str, tuple[Any, Any]]:
        sale = draft.sale
        new = {
            "sold_on": sale.sold_on,
            "product_id": sale.product_id,
            "quantity": sale.quantity,
            "amount": sale.amount,
            "buyer_id": sale.buyer_id,
            "pairing_id": draft.pairing.pk,
        }
        return {
            name.removesuffix("_id"): (getattr(line, name), value)
            for name, value in new.items()
            if getattr(line, name) != value
        }

    def create(self, rows: Sequence[Row], ctx: Context) -> None:
        """Hand the lines to the sales service, a channel at a time; a refusal undoes all."""
        by_channel: dict[Channel, list[Row]] = {}
        for row in rows:
            by_channel.setdefault(row.built.channel, []).append(row)
        step = consumption_services.MAX_BATCH_LINES
        for channel, group in by_channel.items():
            for start in range(0, len(group), step):
                part = group[start : start + step]
                outcome = consumption_services.ingest_sales(
                    channel=channel,
                    sales=[row.built.sale for row in part],
                    entry_method=EntryMethod.IMPORT,
                    user=ctx.user,
                )
                # The checks before writing missed it (the ledger changed meanwhile): the
                # framework counts the row as refused and stores nothing.
                for error in outcome.errors:
                    row = part[error.index]
                    row.error(self._column_of(row, error.field), error.message)

    @staticmethod
    def _column_of(row: Row, field_name: str) -> str | None:
        key = SALE_FIELD_COLUMNS.get(field_name)
        if key == "product" and "product" not in row.headers:
            key = "trace_code"
        return key if key in row.headers else None

    def update(self, rows: Sequence[Row], ctx: Context) -> None:
        return None  # a channel's order, once received, is kept as sent (see find_existing)

    def export_objects(
        self, user: User, *, pairing: Pairing | None, year: int | None
    ) -> Iterable[Any]:
        lines = consumption_selectors.sale_lines_for_user(user, pairing=pairing).select_related(
            "product__supplier"
        )
        if year:
            lines = lines.filter(sold_on__year=year)
        return lines.order_by("sold_on", "id").iterator(chunk_size=2000)

    def export_values(self, obj: Any) -> dict[str, Any]:
        product: Product = obj.product
        return {
            "channel": obj.channel.name,
            "order_id": obj.order_id,
            "sold_on": _as_day(obj.sold_on),
            "product": product.name,
            "spec": product.spec,
            "supplier": product.supplier.name,
            "trace_code": product.trace_code,
            "quantity": obj.quantity,
            "amount": obj.amount,
            "buyer": obj.buyer.name if obj.buyer else "",
            "pairing": obj.pairing,
        }


KINDS = (Suppliers, Products, Sales)
