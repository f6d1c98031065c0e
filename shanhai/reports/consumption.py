"""The annual report's consumption-assistance section (消费帮扶).

Its headline figures sum the same facts as the consumption indicators (E1–E3, E5–E9), so they
agree by construction; the tables by channel and product come from the monthly sums the
consumption module keeps, and the sale-line ledger lists the counted lines themselves, all
through ``shanhai.consumption.selectors_report``. Only certified sales count: what was sold
but not counted is stated apart, with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shanhai.consumption import selectors_report as consumption
from shanhai.core.formats import partial_date
from shanhai.facts import selectors as facts

# The consumption module's choices as the report names them (its .po entries are not there yet,
# and a report must read the same whoever downloads it).
CHANNEL_KIND_NAMES = {
    "counter": "专柜",
    "hall": "专馆",
    "zone": "专区",
    "platform": "电商平台",
    "832": "832平台",
    "livestream": "直播带货",
    "expo": "展会",
    "union": "工会采购",
    "canteen": "食堂采购",
    "ngo": "社会组织",
    "other": "其他",
}
CATEGORY_NAMES = {
    "fruit": "水果",
    "vegetables": "蔬菜",
    "grain_oil": "粮油",
    "meat_eggs": "肉禽蛋",
    "tea": "茶叶",
    "mushrooms": "食用菌",
    "herbs": "中药材",
    "processed": "加工食品",
    "handicraft": "特色手工艺品",
    "other": "其他",
}
MODE_NAMES = {"purchased": "东部采购", "helped": "帮助销售"}
CERTIFICATION_STATUS_NAMES = {"certified": "已认定", "withdrawn": "已撤销"}
SALES_METRIC = consumption.SALES_METRIC
MAX_SALE_ROWS = 200_000  # a county's years fit; beyond that the sales pages are the ledger


@dataclass(frozen=True)
class ConsumptionLine:
    """One line of the summary: money in 万元, or a count; *lines* is the sale lines behind."""

    label: str
    value: Decimal
    unit: str
    lines: int | None = None
    code: str = ""  # the indicator it agrees with


@dataclass(frozen=True)
class ChannelRow:
    name: str
    kind: str
    counted_wan: Decimal
    counted_lines: int
    uncounted_wan: Decimal
    uncounted_lines: int
    is_illustrative: bool


@dataclass(frozen=True)
class ProductRow:
    name: str
    category: str
    supplier: str
    quantity: Decimal
    unit: str
    counted_wan: Decimal
    counted_lines: int
    uncounted_wan: Decimal
    is_illustrative: bool


@dataclass(frozen=True)
class CertificateRow:
    date_text: str
    product: str
    supplier: str
    number: str
    valid_to: str
    status: str


@dataclass(frozen=True)
class LinkageRow:
    year: int
    supplier: str
    place: str
    ways: str
    households: int
    poverty_exited: int
    monitored: int
    paid: Decimal


@dataclass(frozen=True)
class SaleRow:
    date_text: str
    channel: str
    order_id: str
    product: str
    quantity: Decimal
    unit: str
    amount: Decimal
    buyer: str
    mode: str
    pairing: str
    event: str
    is_illustrative: bool


@dataclass
class ConsumptionSection:
    lines: list[ConsumptionLine] = field(default_factory=list)
    uncounted: list[ConsumptionLine] = field(default_factory=list)
    by_mode: list[ConsumptionLine] = field(default_factory=list)
    by_channel_kind: list[ConsumptionLine] = field(default_factory=list)
    by_category: list[ConsumptionLine] = field(default_factory=list)
    channels: list[ChannelRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)
    certificates: list[CertificateRow] = field(default_factory=list)
    linkages: list[LinkageRow] = field(default_factory=list)
    sales: list[SaleRow] = field(default_factory=list)
    sales_total: int = 0  # counted lines in the period; more than len(sales) if cut short

    @property
    def is_empty(self) -> bool:
        return not any(line.value for line in self.lines) and not any(
            line.value for line in self.uncounted
        )


def wan(amount: Decimal) -> Decimal:
    """Yuan to 万元, to two decimals rounded half up (as annual.to_wan, which imports this)."""
    return (Decimal(amount) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)


LINKAGE_WAYS = {
    "purchase": "订单收购",
    "wages": "务工工资",
    "dividends": "分红",
    "land_rent": "土地租金",
}


def build_consumption_section(ids: list[int], start: date, end: date) -> ConsumptionSection:
    """Gather the consumption figures of these pairings (ids) over start..end."""

    def sales(**filters: str) -> Decimal:
        return facts.total(ids, SALES_METRIC, start, end, filters)[1]

    def count(metric: str) -> int:
        return facts.total(ids, metric, start, end)[0]

    def summed(metric: str) -> Decimal:
        return facts.total(ids, metric, start, end)[1]

    summary = consumption.consumption_summary(ids, start, end)
    by_mode = summary.by_mode
    none = (0, Decimal(0))
    purchased, helped = by_mode.get("purchased", none), by_mode.get("helped", none)
    p832 = summary.by_channel_kind.get("832", none)
    section = ConsumptionSection(
        lines=[
            ConsumptionLine(
                "消费帮扶金额（仅计已认定产品，合计）", wan(sales()), "万元", summary.counted_lines
            ),
            ConsumptionLine(
                "其中：采购西部农畜牧产品和特色手工艺品",
                wan(sales(direction="purchased")),
                "万元",
                purchased[0],
                "E1",
            ),
            ConsumptionLine(
                "其中：帮助销售西部农畜牧产品和特色手工艺品",
                wan(sales(direction="helped")),
                "万元",
                helped[0],
                "E2",
            ),
            ConsumptionLine("通过832平台销售", wan(sales(category="832")), "万元", p832[0], "E3"),
            ConsumptionLine(
                "认定消费帮扶产品", Decimal(count("consumption.certified")), "个", code="E5"
            ),
            ConsumptionLine(
                "消费帮扶供应主体", Decimal(count("consumption.suppliers")), "家", code="E6"
            ),
            ConsumptionLine("联农带农户数", summed("consumption.households"), "户", code="E7"),
            ConsumptionLine(
                "其中：带动脱贫户", summed("consumption.households.poverty_exited"), "户", code="E8"
            ),
            ConsumptionLine("其中：带动监测户", summed("consumption.households.monitored"), "户"),
            ConsumptionLine(
                "带动农户增收", wan(summed("consumption.households.paid")), "万元", code="E9"
            ),
        ],
    )
    why = consumption.uncounted_lines(ids, start, end)
    section.uncounted = [
        ConsumptionLine("销售时产品未认定（未计入）", wan(why.uncertified[1]), "万元",
                        why.uncertified[0]),
        ConsumptionLine("经核查剔除（未计入）", wan(why.excluded[1]), "万元", why.excluded[0]),
        ConsumptionLine("疑似重复、待核查（暂不计入）", wan(why.held[1]), "万元", why.held[0]),
    ]  # fmt: skip
    section.by_mode = [
        ConsumptionLine(MODE_NAMES.get(mode, mode), wan(amount), "万元", n)
        for mode, (n, amount) in sorted(summary.by_mode.items(), key=lambda kv: -kv[1][1])
    ]
    section.by_channel_kind = [
        ConsumptionLine(CHANNEL_KIND_NAMES.get(kind, kind), wan(amount), "万元", n)
        for kind, (n, amount) in sorted(summary.by_channel_kind.items(), key=lambda kv: -kv[1][1])
    ]
    section.by_category = [
        ConsumptionLine(CATEGORY_NAMES.get(kind, kind), wan(amount), "万元", n)
        for kind, (n, amount) in sorted(summary.by_category.items(), key=lambda kv: -kv[1][1])
    ]
    section.channels = [
        ChannelRow(
            name=cell.name,
            kind=CHANNEL_KIND_NAMES.get(cell.kind, cell.kind),
            counted_wan=wan(cell.counted_amount),
            counted_lines=cell.counted_lines,
            uncounted_wan=wan(cell.uncounted_amount),
            uncounted_lines=cell.uncounted_lines,
            is_illustrative=cell.is_illustrative,
        )
        for cell in summary.channels
    ]
    section.products = [
        ProductRow(
            name=cell.name,
            category=CATEGORY_NAMES.get(cell.kind, cell.kind),
            supplier=cell.supplier,
            quantity=cell.counted_quantity,
            unit=cell.unit,
            counted_wan=wan(cell.counted_amount),
            counted_lines=cell.counted_lines,
            uncounted_wan=wan(cell.uncounted_amount),
            is_illustrative=cell.is_illustrative,
        )
        for cell in summary.products
    ]
    section.certificates = [
        CertificateRow(
            date_text=partial_date(cert.valid_from),
            product=str(cert.product),
            supplier=cert.product.supplier.name,
            number=cert.certificate_number,
            valid_to=partial_date(cert.valid_to),
            status=CERTIFICATION_STATUS_NAMES.get(cert.status, cert.status),
        )
        for cert in consumption.certifications_behind(ids, start, end)
    ]
    section.linkages = [
        LinkageRow(
            year=linkage.year,
            supplier=linkage.supplier.name,
            place=linkage.supplier.place.name,
            ways="、".join(LINKAGE_WAYS.get(way, way) for way in linkage.kinds),
            households=linkage.households,
            poverty_exited=linkage.poverty_exited_households,
            monitored=linkage.monitored_households,
            paid=linkage.paid_amount,
        )
        for linkage in consumption.linkages_behind(ids, start, end)
    ]
    section.sales_total = summary.counted_lines
    lines = consumption.counted_lines_behind(ids, start, end)[:MAX_SALE_ROWS]
    section.sales = [
        SaleRow(
            date_text=partial_date(line.sold_on),
            channel=line.channel.name,
            order_id=line.order_id,
            product=str(line.product),
            quantity=line.quantity,
            unit=line.product.unit,
            amount=line.amount,
            buyer=line.buyer.name if line.buyer else "",
            mode=MODE_NAMES.get(line.mode, line.mode),
            pairing=str(line.pairing),
            event=line.sales_event.title if line.sales_event else "",
            is_illustrative=line.is_illustrative,
        )
        for line in lines.iterator(chunk_size=5000)
    ]
    return section
