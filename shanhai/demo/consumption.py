"""The Songjiang–Weixin story, part 4: consumption assistance (消费帮扶).

The seed article (2023-08-20) says: an NGO, 上海市松江区百姓义工公益发展中心, paired with 金鸡村 in
2022-07 to sell the kiwifruit of its 千亩猕猴桃示范基地 and on 2022-08-22 its well-known streamer
taught 麟凤镇's villagers to sell by livestream; Songjiang's consumption-assistance platform
“森鲜馆” relays Shanghai's demand to the county's growers; the county commerce bureau takes
Weixin's products to the CIIE (进博会). The article names no supplier, product, certificate, sale
or figure, so all of those are ours and flagged illustrative: 金鸡村's kiwifruit co-op and six
other Weixin suppliers (tea, 方竹笋, 天麻, beef, ham, free-range chicken, konjac) with the
households they link; their products, certified by the county commerce bureau through the whole
workflow (one rejected, one withdrawn, one under public notice today); the channels the
article names (森鲜馆, the livestream, the expo) plus the 832 platform, a union and canteens; about
three thousand sale lines over 2021–2023 with the kiwifruit season (Sept–Nov), each kind of flag
among them, some resolved; and demand eastern buyers posted for the coming months, with one
guidance notice.

Everything goes through consumption.services as the demo accounts would do it: the Weixin office
registers suppliers and products and, for the county commerce bureau (which has no account of
its own in the demo), runs certification; the Songjiang office registers the eastern channels
and buyers, takes in the channels' quarterly batches and resolves flags. The story's sales end in
2023, but certificates are renewed and demand is posted relative to the day the demo is loaded,
so the demand board and the guidance page always look ahead. Sales come from one seeded random
generator, so every load makes the same lines. Loading again changes nothing: the demo's kiwifruit
co-op being there means the rest is too.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Side, User
from shanhai.consumption import selectors, services
from shanhai.consumption.models import (
    BenefitLinkage,
    Buyer,
    Certification,
    Channel,
    Product,
    SaleFlag,
    SaleLine,
    Supplier,
)
from shanhai.core.models import Source
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import records_for_user
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import get_pairing_for_user, search_organisations, search_places

MADE_UP = "illustrative-demo"
SEED = 20220822
COUNTY, NGO, TOWN, ELSEWHERE = (
    "songjiang-weixin",
    "baixing-jinji",
    "xinbang-linfeng",
    "songjiang-zhaoyang",
)
LIVESTREAM_DAY = date(2022, 8, 22)
EXPO_DAYS = (date(2022, 11, 5), date(2022, 11, 10))  # the 5th CIIE; the ledger's event is on day 1
YEARS = (2021, 2022, 2023)
GROWTH = {2021: Decimal("0.6"), 2022: Decimal(1), 2023: Decimal("1.35")}
ILLUSTRATIVE = "（演示数据：供应主体、产品、认定与销售均为示意，并非报道所述。）"
KIWI_SUPPLIER = "威信县麟凤镇金鸡村猕猴桃种植专业合作社"
COMMERCE_BUREAU = "威信县商务局"
CRITERIA = list(Certification.CRITERIA)


@dataclass(frozen=True)
class SupplierSpec:
    key: str
    name: str
    kind: str
    place: str
    registered_on: date
    organisation: str = ""
    # year → (ways of linking, households, of which 脱贫户, of which 监测户, paid yuan)
    linkages: dict[int, tuple[list[str], int, int, int, int]] = field(default_factory=dict)


PURCHASE, WAGES, DIVIDENDS, LAND_RENT = (
    BenefitLinkage.Kind.PURCHASE,
    BenefitLinkage.Kind.WAGES,
    BenefitLinkage.Kind.DIVIDENDS,
    BenefitLinkage.Kind.LAND_RENT,
)
C = Supplier.Kind

SUPPLIERS = [
    SupplierSpec("kiwi", KIWI_SUPPLIER, C.COOPERATIVE, "金鸡村", date(2021, 3, 15),
                 linkages={2021: ([PURCHASE, WAGES, LAND_RENT], 186, 64, 5, 1_260_000),
                           2022: ([PURCHASE, WAGES, LAND_RENT], 268, 97, 8, 2_150_000),
                           2023: ([PURCHASE, WAGES, LAND_RENT, DIVIDENDS], 326, 121, 9,
                                  2_870_000)}),
    SupplierSpec("tea", "威信县扎西镇高山茶叶专业合作社（示意）", C.COOPERATIVE, "扎西镇",
                 date(2021, 4, 20),
                 linkages={2021: ([PURCHASE, WAGES], 95, 30, 2, 480_000),
                           2022: ([PURCHASE, WAGES], 110, 36, 3, 560_000),
                           2023: ([PURCHASE, WAGES], 120, 41, 3, 640_000)}),
    SupplierSpec("gxs", "威信县供销合作社联合社", C.AGENT, "扎西镇", date(2021, 6, 1),
                 organisation="威信县供销合作社联合社",
                 linkages={2023: ([PURCHASE], 150, 48, 4, 520_000)}),
    SupplierSpec("food", "威信县某农特产品开发有限公司（示意）", C.ENTERPRISE, "扎西镇",
                 date(2022, 1, 5),
                 linkages={2022: ([PURCHASE, WAGES], 40, 12, 0, 300_000),
                           2023: ([PURCHASE, WAGES], 52, 16, 1, 420_000)}),
    SupplierSpec("cattle", "威信县旧城镇肉牛养殖专业合作社（示意）", C.COOPERATIVE, "旧城镇",
                 date(2022, 8, 30),
                 linkages={2022: ([DIVIDENDS, WAGES, LAND_RENT], 60, 28, 4, 390_000),
                           2023: ([DIVIDENDS, WAGES, LAND_RENT], 88, 40, 5, 610_000)}),
    SupplierSpec("tianma", "双河乡天麻种植大户（示意）", C.BIG_GROWER, "双河苗族彝族乡",
                 date(2023, 2, 20),
                 linkages={2023: ([PURCHASE, LAND_RENT], 35, 15, 1, 260_000)}),
    SupplierSpec("farm", "长安镇某生态家庭农场（示意）", C.FAMILY_FARM, "长安镇",
                 date(2023, 1, 10), linkages={2023: ([WAGES], 12, 5, 0, 60_000)}),
]  # fmt: skip


@dataclass(frozen=True)
class ProductSpec:
    key: str
    supplier: str
    name: str
    category: str
    spec: str
    unit: str
    unit_kg: str  # "" when the unit is not a weight
    price: int  # reference price, yuan per unit
    season: list[int]
    origin: str = ""  # a place other than the supplier's
    trace: str = ""


PRODUCTS = [
    ProductSpec("kiwi", "kiwi", "红心猕猴桃", "fruit", "5斤装", "箱", "2.5", 68, [9, 10, 11],
                trace="WX-JJ-KIWI-01"),
    ProductSpec("baicha", "tea", "威信白茶", "tea", "250克罐装", "罐", "0.25", 168, [3, 4, 5]),
    ProductSpec("hongcha", "tea", "威信红茶", "tea", "250克罐装", "罐", "0.25", 128, [4, 5, 6]),
    ProductSpec("bamboo", "food", "方竹笋（干）", "vegetables", "250克袋装", "袋", "0.25", 45,
                [9, 10], origin="高田乡"),
    ProductSpec("ham", "food", "威信火腿", "processed", "整只约8斤", "只", "4", 480,
                [11, 12, 1]),
    ProductSpec("beef", "cattle", "威信黄牛肉", "meat_eggs", "冷鲜分割", "斤", "", 45, []),
    ProductSpec("jerky", "cattle", "威信牛肉干", "processed", "200克袋装", "袋", "0.2", 58, []),
    ProductSpec("tianma", "tianma", "威信天麻（干品）", "herbs", "500克袋装", "袋", "0.5", 150,
                [10, 11, 12]),
    ProductSpec("chicken", "farm", "散养土鸡", "meat_eggs", "整只约3斤", "只", "1.5", 120, []),
    ProductSpec("konjac", "gxs", "威信魔芋粉", "processed", "500克袋装", "袋", "0.5", 38, [],
                origin="水田镇"),
]  # fmt: skip


@dataclass(frozen=True)
class CertificationSpec:
    """One product's certification: the day it was applied for, and how it ended."""

    product: str
    applied_on: date
    valid_from: date | None = None  # None: not certified (see *outcome*)
    outcome: str = "certified"  # "certified", "rejected", "publicised" (today), "withdrawn"
    withdrawn_on: date | None = None
    note: str = ""


CERTIFICATIONS = [
    CertificationSpec("baicha", date(2021, 4, 26), date(2021, 6, 1)),
    CertificationSpec("bamboo", date(2021, 6, 28), date(2021, 8, 15)),
    CertificationSpec("kiwi", date(2021, 12, 6), date(2022, 3, 1)),  # with an objection
    CertificationSpec("ham", date(2021, 11, 22), date(2022, 1, 10), "withdrawn",
                      withdrawn_on=date(2023, 6, 15),
                      note="市场监管部门抽检一批次亚硝酸盐含量超标（示意），撤销认定。"),
    CertificationSpec("hongcha", date(2022, 5, 9), date(2022, 6, 20)),
    CertificationSpec("beef", date(2022, 9, 1), date(2022, 9, 26)),
    CertificationSpec("chicken", date(2023, 1, 20), outcome="rejected",
                      note="经县商务局审核：年产值约20万元，未达到年产值50万元的认定条件。"),
    CertificationSpec("tianma", date(2023, 3, 1), date(2023, 4, 10)),
    CertificationSpec("jerky", date(2023, 5, 22), date(2023, 7, 1)),
    CertificationSpec("konjac", date(2023, 1, 1), outcome="publicised"),  # dated from today
]  # fmt: skip
VALID_YEARS = 3
RENEWED = ("kiwi", "baicha", "bamboo", "beef", "tianma", "jerky", "hongcha")


@dataclass(frozen=True)
class ChannelSpec:
    key: str
    name: str
    kind: str
    pairing: str
    by: str  # the demo account that registers it and sends its batches
    operator: str = ""
    side: str = Side.EAST
    is_illustrative: bool = True


K = Channel.Kind
# In the order their batches arrive: the platform reports before the union does.
CHANNELS = [
    ChannelSpec("senxian", "森鲜馆", K.PLATFORM, COUNTY, "songjiang",
                operator="松江消费帮扶平台“森鲜馆”", is_illustrative=False),
    ChannelSpec("live", "百姓义工公益直播间（示意）", K.LIVESTREAM, NGO, "songjiang",
                operator="上海市松江区百姓义工公益发展中心"),
    ChannelSpec("expo", "进博会威信县农特产品展区（示意）", K.EXPO, COUNTY, "weixin",
                operator=COMMERCE_BUREAU, side=Side.WEST),
    ChannelSpec("p832", "832平台（脱贫地区农副产品网络销售平台）", K.PLATFORM_832, COUNTY,
                "songjiang", is_illustrative=False),
    ChannelSpec("canteen", "松江区机关事业单位食堂直供（示意）", K.CANTEEN, COUNTY, "songjiang"),
    ChannelSpec("union", "松江区工会消费帮扶采购（示意）", K.UNION, COUNTY, "songjiang"),
]  # fmt: skip
ORDER_PREFIX = {
    "senxian": "SX",
    "live": "BXZB",
    "expo": "CIIE",
    "p832": "832-",
    "canteen": "ST",
    "union": "GH",
}

B = Buyer.Kind
BUYERS = [  # (key, name, kind)
    ("public", "个人消费者（示意）", B.PUBLIC),
    ("union", "松江区某机关工会（示意）", B.UNION),
    ("canteen1", "松江区某机关食堂（示意）", B.CANTEEN),
    ("canteen2", "松江区某中学食堂（示意）", B.CANTEEN),
    ("xinbang", "新浜镇某单位食堂（示意）", B.CANTEEN),
    ("unit1", "松江区某街道办事处（示意）", B.BUDGET_UNIT),
    ("unit2", "松江区某医院（示意）", B.BUDGET_UNIT),
    ("unit3", "松江区某事业单位（示意）", B.BUDGET_UNIT),
    ("trader", "上海某商贸企业（示意）", B.ENTERPRISE),
]
QUOTAS = {"unit1": 120_000, "unit2": 150_000, "unit3": 80_000}  # reserved 832 share a year


@dataclass
class Sale:
    """A sale line as planned, before it is sent in a channel's batch."""

    channel: str
    sold_on: date
    product: str
    quantity: Decimal
    amount: Decimal
    buyer: str
    pairing: str = ""  # "" : the supplier's pairing
    event: str = ""  # "livestream" or "expo"
    tag: str = ""  # marks the lines the story picks out (duplicate, price, …)
    order_id: str = ""


@dataclass(frozen=True)
class ConsumptionSummary:
    """What loading the consumption demo did, and what it holds."""

    created: bool
    suppliers: int
    products: int
    certified: int
    lines: int
    counted: int
    open_flags: int

    def message(self) -> str:
        return _(
            "Consumption: %(suppliers)d illustrative suppliers, %(products)d products "
            "(%(certified)d certified), %(lines)d sale lines (%(counted)d counted), "
            "%(flags)d open flags."
        ) % {
            "suppliers": self.suppliers,
            "products": self.products,
            "certified": self.certified,
            "lines": self.lines,
            "counted": self.counted,
            "flags": self.open_flags,
        }


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


class _Planner:
    """Plans every sale line of 2021–2023 with one seeded generator."""

    def __init__(self) -> None:
        self.random = random.Random(SEED)  # noqa: S311 (made-up sales, not secrets)
        self.prices = {spec.key: Decimal(spec.price) for spec in PRODUCTS}
        self.sales: list[Sale] = []
        self.keys: set[tuple[str, date, Decimal, Decimal, str]] = set()

    def day(self, year: int, month: int) -> date:
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        return date(year, month, self.random.randint(1, last))

    def add(
        self,
        channel: str,
        sold_on: date,
        product: str,
        quantity: int | Decimal,
        *,
        buyer: str = "public",
        factor: tuple[str, str] = ("0.92", "1.08"),
        pairing: str = "",
        event: str = "",
        tag: str = "",
    ) -> Sale:
        """Plan a line at a price near the reference; never the same as another channel's."""
        low, high = Decimal(factor[0]), Decimal(factor[1])
        unit_price = self.prices[product] * (low + (high - low) * Decimal(self.random.random()))
        qty = Decimal(quantity).quantize(Decimal("0.01"))
        amount = _money(qty * unit_price)
        while (product, sold_on, qty, amount, buyer) in self.keys:
            amount += Decimal("0.01")
        self.keys.add((product, sold_on, qty, amount, buyer))
        sale = Sale(channel, sold_on, product, qty, amount, buyer, pairing, event, tag)
        self.sales.append(sale)
        return sale

    def monthly(
        self,
        channel: str,
        product: str,
        per_month: dict[int, int] | int,
        quantity: tuple[int, int],
        *,
        since: date = date(2021, 1, 1),
        until: date = date(2023, 12, 31),
        pairing: str = "",
    ) -> None:
        """Plan public orders month by month, more each year as the channel grows."""
        for year in YEARS:
            for month in range(1, 13):
                base = per_month if isinstance(per_month, int) else per_month.get(month, 0)
                orders = int((base * GROWTH[year]).to_integral_value(ROUND_HALF_UP))
                for _order in range(orders):
                    sold_on = self.day(year, month)
                    if since <= sold_on <= until:
                        qty = self.random.randint(*quantity)
                        self.add(channel, sold_on, product, qty, pairing=pairing)

    def plan(self) -> list[Sale]:
        rand, add, monthly = self.random, self.add, self.monthly
        # 森鲜馆: members of the public, all year, kiwifruit in its season.
        monthly("senxian", "kiwi", {9: 110, 10: 140, 11: 80}, (1, 4))
        monthly("senxian", "baicha", 12, (1, 3))
        monthly("senxian", "hongcha", 8, (1, 3), since=date(2022, 7, 1))
        monthly("senxian", "bamboo", {9: 25, 10: 25, 11: 20, 12: 20}, (1, 6))
        # The ham stays on sale for a month after its certificate is withdrawn (2023-06-15).
        monthly("senxian", "ham", {1: 14, 11: 10, 12: 16, **dict.fromkeys(range(2, 11), 4)},
                (1, 2), since=date(2022, 1, 10), until=date(2023, 7, 14))  # fmt: skip
        monthly("senxian", "beef", 8, (2, 10), since=date(2022, 10, 1))
        monthly("senxian", "jerky", 8, (1, 5), since=date(2023, 8, 1))
        monthly("senxian", "chicken", 4, (1, 2), since=date(2023, 3, 1))  # never certified
        monthly("senxian", "tianma", {10: 14, 11: 14, 12: 12}, (1, 3), since=date(2023, 4, 10))
        # The NGO's livestreams: the 2022-08-22 one (pre-sale of the coming harvest), then
        # a few sessions each season; credited to the NGO ↔ 金鸡村 pairing.
        for _order in range(240):
            add("live", LIVESTREAM_DAY, "kiwi", rand.randint(1, 3), factor=("0.9", "0.95"),
                pairing=NGO, event="livestream")  # fmt: skip
        monthly("live", "kiwi", {9: 22, 10: 22, 11: 16}, (1, 3), since=date(2022, 9, 1),
                pairing=NGO)  # fmt: skip
        # The CIIE, 2022-11-05..10: visitors, and a Shanghai trader's orders. 天麻 is not yet
        # certified then: those lines are shown, not counted.
        expo_days = [EXPO_DAYS[0] + timedelta(days=d) for d in range(6)]
        for product, visitors in (("kiwi", 30), ("baicha", 25), ("tianma", 15), ("hongcha", 10)):
            for _visitor in range(visitors):
                add("expo", rand.choice(expo_days), product, rand.randint(1, 3), event="expo")
        for product, qty in (("kiwi", 420), ("kiwi", 360), ("baicha", 120), ("kiwi", 500)):
            add("expo", rand.choice(expo_days), product, qty, buyer="trader",
                factor=("0.85", "0.9"), event="expo")  # fmt: skip
        self.bulk_orders()
        self.flagged()
        return self.sales

    def in_stock(self, product: str, on: date) -> bool:
        listed = {
            "baicha": date(2021, 6, 1),
            "bamboo": date(2021, 9, 1),
            "kiwi": date(2022, 3, 1),
            "hongcha": date(2022, 7, 1),
            "beef": date(2022, 10, 1),
        }
        seasons = {spec.key: spec.season for spec in PRODUCTS}
        in_season = not seasons[product] or on.month in seasons[product] or product.endswith("cha")
        return on >= listed[product] and in_season

    def bulk_orders(self) -> None:
        """Eastern bodies' purchases: the union's festival gifts, canteens, 832 budget units."""
        rand, add = self.random, self.add
        bulk = ("0.85", "0.95")
        for year in YEARS:
            add("senxian", date(year, 1, rand.randint(8, 18)), "baicha", rand.randint(200, 400),
                buyer="union", factor=bulk)  # fmt: skip
            add("senxian", date(year, 9, rand.randint(5, 15)), "kiwi", rand.randint(600, 1200),
                buyer="union", factor=bulk, tag=f"union-kiwi-{year}")  # fmt: skip
        for year in (2022, 2023):
            add("senxian", date(year, 10, rand.randint(10, 20)), "kiwi", 100 + rand.randint(0, 60),
                buyer="xinbang", factor=bulk, pairing=TOWN)  # fmt: skip
        add("senxian", date(2023, 10, 18), "tianma", 420, buyer="union", factor=bulk)
        add("union", date(2022, 9, 6), "hongcha", 150, buyer="union", factor=bulk)
        add("union", date(2023, 1, 12), "beef", 2000, buyer="union", factor=bulk)
        # Canteens buy beef all year and 方竹笋 in season, twice a month each.
        for year in YEARS:
            for month in range(1, 13):
                for buyer in ("canteen1", "canteen2"):
                    for _order in range(2):
                        on = self.day(year, month)
                        pool = [p for p in ("beef", "bamboo") if self.in_stock(p, on)]
                        if pool:
                            product = rand.choice(pool)
                            qty = (
                                rand.randint(60, 300)
                                if product == "beef"
                                else rand.randint(80, 400)
                            )
                            add("canteen", on, product, qty, buyer=buyer, factor=bulk)
        # Budget units buy through 832 every month (their reserved share), what is in stock.
        for year in YEARS:
            for month in range(1, 13):
                for buyer in QUOTAS:
                    for _order in range(rand.choice((1, 1, 2))):
                        on = self.day(year, month)
                        pool = [
                            p
                            for p in ("baicha", "bamboo", "kiwi", "hongcha", "beef")
                            if self.in_stock(p, on)
                        ]
                        if not pool:
                            continue
                        product = rand.choice(pool)
                        yuan = Decimal(rand.randint(30, 150) * 100)
                        units = (yuan / self.prices[product]).to_integral_value(ROUND_HALF_UP)
                        add("p832", on, product, max(units, Decimal(1)), buyer=buyer, factor=bulk)

    def flagged(self) -> None:
        """The lines the story picks out: a duplicate, prices, the wrong pairing."""
        add = self.add
        # The union reports its two 中秋 kiwifruit orders too, which 森鲜馆 already reported.
        for year in (2022, 2023):
            original = next(s for s in self.sales if s.tag == f"union-kiwi-{year}")
            self.sales.append(
                Sale(
                    "union",
                    original.sold_on,
                    "kiwi",
                    original.quantity,
                    original.amount,
                    "union",
                    tag=f"duplicate-{year}",
                )
            )
        # A gift box at four times the reference price (it stands) and a typing slip (open).
        add("senxian", date(2023, 10, 8), "kiwi", 20, factor=("4", "4"), tag="price-gift")
        add("senxian", date(2023, 5, 12), "baicha", 50, factor=("0.3", "0.3"), tag="price-slip")
        # 832 credits two orders of 方竹笋 to the Songjiang–昭阳 pairing by mistake.
        add("p832", date(2023, 10, 11), "bamboo", 120, buyer="unit1", pairing=ELSEWHERE,
            factor=("0.9", "0.9"), tag="wrong-1")  # fmt: skip
        add("p832", date(2023, 11, 15), "bamboo", 90, buyer="unit2", pairing=ELSEWHERE,
            factor=("0.9", "0.9"), tag="wrong-2")  # fmt: skip


def _order_ids(sales: list[Sale]) -> None:
    """Each channel's own order ids: prefix, date, running number."""
    counters: dict[str, int] = defaultdict(int)
    for sale in sorted(sales, key=lambda s: (s.channel, s.sold_on)):
        counters[sale.channel] += 1
        sale.order_id = (
            f"{ORDER_PREFIX[sale.channel]}{sale.sold_on:%Y%m%d}{counters[sale.channel]:05d}"
        )


def _batches(sales: list[Sale]) -> list[tuple[str, list[Sale]]]:
    """Each channel's quarterly batch, in the order they arrive (森鲜馆's before the union's)."""
    grouped: dict[tuple[int, int, int], list[Sale]] = defaultdict(list)
    position = {spec.key: i for i, spec in enumerate(CHANNELS)}
    for sale in sales:
        quarter = (sale.sold_on.month - 1) // 3
        grouped[(sale.sold_on.year, quarter, position[sale.channel])].append(sale)
    return [
        (CHANNELS[channel].key, sorted(lines, key=lambda s: (s.sold_on, s.order_id)))
        for (_year, _quarter, channel), lines in sorted(grouped.items())
    ]


def _capacities(sales: list[Sale], batches: list[tuple[str, list[Sale]]]) -> dict[str, Decimal]:
    """Declared capacity: about twice the best year's sales, except 天麻's, set so that its
    last five lines of 2023 (in the order they arrive) go over it."""
    yearly: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for sale in sales:
        yearly[(sale.product, sale.sold_on.year)] += sale.quantity
    capacities: dict[str, Decimal] = {}
    for spec in PRODUCTS:
        best = max((q for (p, _y), q in yearly.items() if p == spec.key), default=Decimal(100))
        capacities[spec.key] = _round_up(best * 2)
    tianma = [s for _c, lines in batches for s in lines if s.product == "tianma"]
    tianma_2023 = [s.quantity for s in tianma if s.sold_on.year == 2023]
    capacities["tianma"] = sum(tianma_2023[:-5], Decimal(0))
    return capacities


def _round_up(value: Decimal) -> Decimal:
    """Round up to two significant digits: 1234 → 1300."""
    digits = len(str(int(value)))
    step = Decimal(10) ** max(digits - 2, 0)
    return (value / step).to_integral_value(rounding="ROUND_CEILING") * step


class _Demo:
    def __init__(self, users: Sequence[User]) -> None:
        by_name = {user.username: user for user in users}
        self.users = by_name
        self.admin, self.east, self.west = by_name["admin"], by_name["songjiang"], by_name["weixin"]
        self.today = timezone.localdate()
        self.pairings: dict[str, Pairing] = {}
        self.source = Source.objects.get(key=MADE_UP)
        self.suppliers: dict[str, Supplier] = {}
        self.products: dict[str, Product] = {}
        self.channels: dict[str, Channel] = {}
        self.buyers: dict[str, Buyer] = {}
        self.numbers: dict[int, int] = defaultdict(int)

    def pairing(self, code: str) -> Pairing:
        if code not in self.pairings:
            self.pairings[code] = get_pairing_for_user(self.admin, code)
        return self.pairings[code]

    def place(self, name: str) -> Place:
        return search_places(name).get(name=name)

    def organisation(self, name: str) -> Organisation:
        return search_organisations(name).get(name=name)

    # --- the registry --------------------------------------------------------------------------

    def register(self, capacities: dict[str, Decimal]) -> None:
        county = self.pairing(COUNTY)
        for spec in SUPPLIERS:
            supplier = services.register_supplier(
                pairing=county,
                recorded_by=self.west,
                name=spec.name,
                kind=spec.kind,
                place=self.place(spec.place),
                organisation=self.organisation(spec.organisation) if spec.organisation else None,
                contact_name="负责人（示意）",
                registered_on=spec.registered_on,
                is_illustrative=True,
                source=self.source,
            )
            self.suppliers[spec.key] = supplier
            for year, (kinds, households, exited, monitored, paid) in spec.linkages.items():
                services.record_linkage(
                    supplier=supplier,
                    year=year,
                    recorded_by=self.west,
                    kinds=kinds,
                    households=households,
                    poverty_exited_households=exited,
                    monitored_households=monitored,
                    paid_amount=Decimal(paid),
                )
        for product in PRODUCTS:
            supplier = self.suppliers[product.supplier]
            capacity = capacities[product.key]
            self.products[product.key] = services.register_product(
                supplier=supplier,
                recorded_by=self.west,
                name=product.name,
                category=product.category,
                spec=product.spec,
                unit=product.unit,
                unit_kg=Decimal(product.unit_kg) if product.unit_kg else None,
                origin=self.place(product.origin) if product.origin else supplier.place,
                reference_price=Decimal(product.price),
                season_months=product.season,
                capacity_quantity=capacity,
                capacity_amount=capacity * product.price,
                trace_code=product.trace,
                is_illustrative=True,
            )

    # --- certification -------------------------------------------------------------------------

    def certify(self) -> None:
        for spec in CERTIFICATIONS:
            product = self.products[spec.product]
            if spec.outcome == "publicised":
                self.publicise_now(product)
                continue
            cert = services.apply_for_certification(
                product=product,
                applied_by=self.west,
                applied_on=spec.applied_on,
                criteria=[c for c in CRITERIA if c != "meets_value_threshold"]
                if spec.outcome == "rejected"
                else CRITERIA,
                note=f"{product.supplier.name}提交认定申请。{ILLUSTRATIVE}",
            )
            if spec.outcome == "rejected":
                self.step(cert, "rejected", spec.applied_on + timedelta(days=26), spec.note)
                continue
            assert spec.valid_from is not None  # every other outcome was certified first
            cert = self.through(cert, spec.applied_on, spec.valid_from, objection=spec.product)
            if spec.outcome == "withdrawn" and spec.withdrawn_on:
                self.step(cert, "withdrawn", spec.withdrawn_on, spec.note)
            elif spec.product in RENEWED:
                self.renew(product, cert)

    def step(
        self,
        cert: Certification,
        step: str,
        on: date,
        note: str = "",
        *,
        publicity_to: date | None = None,
        certificate_number: str = "",
        valid_from: date | None = None,
        valid_to: date | None = None,
    ) -> Certification:
        # The re-check is the eastern office's; every other step the county commerce bureau's.
        by = self.east if step == "rechecked" else self.west
        return services.advance_certification(
            certification=cert,
            step=step,
            by=by,
            on=on,
            note=note,
            publicity_to=publicity_to,
            certificate_number=certificate_number,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    def through(
        self, cert: Certification, applied_on: date, valid_from: date, objection: str = ""
    ) -> Certification:
        """Review, re-check, a week's public notice, certificate: the whole workflow."""
        days = (valid_from - applied_on).days
        reviewed, rechecked = (
            applied_on + timedelta(days=days // 6),
            applied_on + timedelta(days=days // 3),
        )
        notice = applied_on + timedelta(days=days // 2)
        cert = self.step(cert, "reviewed", reviewed, f"{COMMERCE_BUREAU}审核材料并盖章。")
        cert = self.step(cert, "rechecked", rechecked, "松江区合作交流办复核，符合认定条件。")
        cert = self.step(
            cert, "publicised", notice, "在威信县人民政府网站公示7天。",
            publicity_to=notice + timedelta(days=6),
        )  # fmt: skip
        if objection == "kiwi":
            cert = self.step(cert, "objection", notice + timedelta(days=3),
                             "有群众反映部分果园不在示范基地范围内。")  # fmt: skip
            cert = self.step(cert, "answered", notice + timedelta(days=9),
                             "经核实，所涉果园为合作社流转土地，已补充土地流转合同。")  # fmt: skip
        year = valid_from.year
        self.numbers[year] += 1
        return self.step(
            cert,
            "certified",
            valid_from - timedelta(days=1),
            f"{COMMERCE_BUREAU}认定为消费帮扶产品。",
            certificate_number=f"威商消认〔{year}〕{self.numbers[year]:03d}号（示意）",
            valid_from=valid_from,
            valid_to=valid_from.replace(year=valid_from.year + VALID_YEARS) - timedelta(days=1),
        )

    def renew(self, product: Product, cert: Certification) -> None:
        """Renew the certificate before it runs out, while that is before today, so the
        product is still certified for the demand of the coming months."""
        horizon = self.today + timedelta(days=365)
        while cert.valid_to and cert.valid_to < horizon:
            applied_on = cert.valid_to - timedelta(days=75)
            if applied_on + timedelta(days=76) > self.today:
                return
            cert = services.apply_for_certification(
                product=product,
                applied_by=self.west,
                applied_on=applied_on,
                criteria=CRITERIA,
                note=f"证书到期前申请续期。{ILLUSTRATIVE}",
            )
            cert = self.through(cert, applied_on, applied_on + timedelta(days=76))

    def publicise_now(self, product: Product) -> None:
        """The konjac flour: applied six weeks ago, under public notice until four days on."""
        today = self.today
        cert = services.apply_for_certification(
            product=product,
            applied_by=self.west,
            applied_on=today - timedelta(days=45),
            criteria=CRITERIA,
            note=f"{product.supplier.name}代水田镇魔芋种植户提交认定申请。{ILLUSTRATIVE}",
        )
        cert = self.step(cert, "reviewed", today - timedelta(days=30), "审核材料并盖章。")
        cert = self.step(cert, "rechecked", today - timedelta(days=15), "复核，符合认定条件。")
        self.step(
            cert, "publicised", today - timedelta(days=3), "在威信县人民政府网站公示7天。",
            publicity_to=today + timedelta(days=3),
        )  # fmt: skip

    # --- channels, buyers, sales ---------------------------------------------------------------

    def channels_and_buyers(self) -> None:
        for spec in CHANNELS:
            self.channels[spec.key] = services.register_channel(
                pairing=self.pairing(spec.pairing),
                recorded_by=self.users[spec.by],
                name=spec.name,
                kind=spec.kind,
                operator=self.organisation(spec.operator) if spec.operator else None,
                side=spec.side,
                is_illustrative=spec.is_illustrative,
            )
        songjiang = self.place("松江区")
        for key, name, kind in BUYERS:
            self.buyers[key] = services.register_buyer(
                recorded_by=self.east,
                pairing=self.pairing(COUNTY),
                name=name,
                kind=kind,
                side=Side.EAST,
                place=self.place("新浜镇") if key == "xinbang" else songjiang,
                is_illustrative=True,
            )
        for key, reserved in QUOTAS.items():
            for year in YEARS:
                services.set_quota(
                    buyer=self.buyers[key],
                    year=year,
                    reserved_amount=Decimal(reserved),
                    set_by=self.east,
                    pairing=self.pairing(COUNTY),
                )

    def events(self) -> dict[str, int]:
        """The ledger's livestream (2022-08-22) and CIIE records the lines link to."""
        records = records_for_user(self.admin).filter(kind=Record.Kind.SALES_EVENT)
        livestream = records.get(pairing=self.pairing(NGO), occurred_on=LIVESTREAM_DAY)
        expo = records.get(pairing=self.pairing(COUNTY), occurred_on=EXPO_DAYS[0])
        return {"livestream": livestream.pk, "expo": expo.pk}

    def ingest(self, batches: list[tuple[str, list[Sale]]]) -> None:
        events = self.events()
        specs = {spec.key: spec for spec in CHANNELS}
        for channel, sales in batches:
            for start in range(0, len(sales), services.MAX_BATCH_LINES):
                self.send(channel, sales[start : start + services.MAX_BATCH_LINES], events, specs)

    def send(
        self,
        channel: str,
        sales: list[Sale],
        events: dict[str, int],
        specs: dict[str, ChannelSpec],
    ) -> None:
        outcome = services.ingest_sales(
            channel=self.channels[channel],
            sales=[
                services.SaleInput(
                    order_id=sale.order_id,
                    sold_on=sale.sold_on,
                    product_id=self.products[sale.product].pk,
                    quantity=sale.quantity,
                    amount=sale.amount,
                    pairing_id=self.pairing(sale.pairing).pk if sale.pairing else None,
                    buyer_id=self.buyers[sale.buyer].pk,
                    sales_event_id=events[sale.event] if sale.event else None,
                )
                for sale in sales
            ],
            entry_method="demo",
            user=self.users[specs[channel].by],
            is_illustrative=True,
        )
        if outcome.errors:  # the plan is ours: a rejected line is a bug in it
            raise RuntimeError(f"demo sales rejected: {outcome.errors[:3]}")

    # --- flags -----------------------------------------------------------------------------

    def resolve(self, sales: list[Sale]) -> None:
        """Operators work through part of the queue; the rest stays open."""
        tagged = {sale.tag: sale for sale in sales if sale.tag}
        flags = selectors.flags_for_user(self.east, status=SaleFlag.Status.OPEN)

        def of(tag: str, kind: str) -> SaleFlag:
            sale = tagged[tag]
            return flags.get(
                line__channel=self.channels[sale.channel], line__order_id=sale.order_id, kind=kind
            )

        def settle(chosen: list[SaleFlag], resolution: str, note: str) -> None:
            services.resolve_flags(
                flags=flags.filter(pk__in=[f.pk for f in chosen]),
                resolution=resolution,
                resolved_by=self.east,
                note=note,
            )

        flagged, accepted, excluded = (
            SaleFlag.Kind,
            SaleFlag.Status.ACCEPTED,
            SaleFlag.Status.EXCLUDED,
        )
        settle(
            list(
                flags.filter(
                    kind=flagged.UNCERTIFIED,
                    line__product=self.products["kiwi"],
                    line__sold_on__year=2021,
                )
            ),
            accepted,
            "2021年金鸡村猕猴桃尚未认定：销售属实，按规定不计入消费帮扶金额。",
        )
        settle(
            [of("duplicate-2022", flagged.DUPLICATE)],
            excluded,
            "同一笔中秋采购已由森鲜馆报送，剔除工会的重复报送。",
        )
        settle([of("price-gift", flagged.PRICE)], accepted, "精品礼盒装，含包装与冷链，价格属实。")
        settle(
            [of("wrong-1", flagged.WRONG_PAIRING)],
            excluded,
            "威信县产品误记入松江—昭阳结对，剔除后由832平台按正确结对重新报送。",
        )
        over = list(
            flags.filter(
                kind=flagged.OVER_CAPACITY, line__product=self.products["tianma"]
            ).order_by("line__sold_on", "line_id")
        )
        settle(over[:2], accepted, "种植大户说明：2023年新增林下种植面积，实际产量超过申报产能。")
        # 832 sends the excluded order again, credited to the right pairing.
        wrong = tagged["wrong-1"]
        resent = Sale(
            "p832",
            wrong.sold_on,
            wrong.product,
            wrong.quantity,
            wrong.amount,
            wrong.buyer,
            order_id=f"{wrong.order_id}-R",
        )
        self.send("p832", [resent], {}, {spec.key: spec for spec in CHANNELS})

    # --- demand and guidance -----------------------------------------------------------------

    def next_window(self, month: int, day: int, days: int) -> tuple[date, date]:
        """The next time (from today) that a window opens on month/day, and when it closes."""
        start = date(self.today.year, month, day)
        if start <= self.today:
            start = date(self.today.year + 1, month, day)
        return start, start + timedelta(days=days)

    def demand(self) -> None:
        county = self.pairing(COUNTY)
        kiwi_from, kiwi_to = self.next_window(9, 1, 60)
        posted = [  # (buyer, category, product, kg, window, price band, quality, by, pairing)
            ("union", "fruit", "红心猕猴桃", 30_000, (kiwi_from, kiwi_to), ("24", "30"),
             "单果80克以上，可溶性固形物≥15%，5斤装礼盒", "songjiang", county),
            ("xinbang", "fruit", "猕猴桃", 3_000, self.next_window(9, 15, 45), ("20", "26"),
             "单果70克以上", "xinbang", self.pairing(TOWN)),
            ("canteen2", "vegetables", "方竹笋", 2_500, self.next_window(9, 15, 75),
             ("150", "190"), "干品，含水量≤15%，无硫熏", "songjiang", county),
            ("union", "tea", "白茶", 600, self.next_window(12, 20, 31), ("600", "720"),
             "当年春茶，250克罐装", "songjiang", county),
            ("canteen1", "meat_eggs", "黄牛肉", 6_000,
             (self.today + timedelta(days=15), self.today + timedelta(days=195)),
             ("84", "96"), "冷鲜，检疫合格，每周配送", "songjiang", county),
            ("unit2", "herbs", "天麻", 800, self.next_window(10, 1, 91), ("260", "320"),
             "干品，无硫熏，附检测报告", "songjiang", county),
        ]  # fmt: skip
        for buyer, category, name, kg, (start, end), (low, high), quality, by, pairing in posted:
            services.post_demand(
                pairing=pairing,
                buyer=self.buyers[buyer],
                posted_by=self.users[by],
                category=category,
                product_name=name,
                quantity_kg=Decimal(kg),
                deliver_from=start,
                deliver_to=end,
                price_min=Decimal(low),
                price_max=Decimal(high),
                quality=quality,
                is_illustrative=True,
            )
        # Last season's demand, met by 金鸡村's co-op.
        past = services.post_demand(
            pairing=county,
            buyer=self.buyers["union"],
            posted_by=self.east,
            category="fruit",
            product_name="红心猕猴桃",
            quantity_kg=Decimal(20_000),
            deliver_from=date(2023, 9, 1),
            deliver_to=date(2023, 9, 28),
            price_min=Decimal(24),
            price_max=Decimal(30),
            quality="单果80克以上，中秋节前送达",
            is_illustrative=True,
        )
        services.close_demand(demand=past, closed_by=self.east, supplier=self.suppliers["kiwi"])
        tonnes = 33
        services.publish_notice(
            pairing=county,
            author=self.west,
            title=f"上海方面预计{kiwi_from.month}—{kiwi_to.month}月需要猕猴桃约{tonnes}吨",
            body=(
                f"森鲜馆转来松江区工会和新浜镇单位食堂登记的需求：{kiwi_from.year}年"
                f"{kiwi_from.month}月至{kiwi_to.month}月共需红心猕猴桃约{tonnes}吨，单果70～80克"
                "以上，5斤装礼盒。请金鸡村猕猴桃种植专业合作社和麟凤镇各种植户提前做好疏果、分级、"
                "采摘和冷库安排；需要包装设计的，可联系县商务局（东华大学设计团队的方案可免费使用）。"
                "（演示数据）"
            ),
            category="fruit",
            town=self.place("麟凤镇"),
        )


def _summary(created: bool) -> ConsumptionSummary:
    county = Pairing.objects.get(code=COUNTY)
    products = Product.objects.filter(supplier__pairing=county, is_illustrative=True)
    lines = SaleLine.objects.filter(is_illustrative=True)
    certified = selectors.certified_product_ids(
        timezone.localdate(), list(products.values_list("pk", flat=True))
    )
    return ConsumptionSummary(
        created=created,
        suppliers=Supplier.objects.filter(pairing=county, is_illustrative=True).count(),
        products=products.count(),
        certified=len(certified),
        lines=lines.count(),
        counted=lines.filter(is_certified=True, is_excluded=False, is_held=False).count(),
        open_flags=SaleFlag.objects.filter(
            line__is_illustrative=True, status=SaleFlag.Status.OPEN
        ).count(),
    )


@transaction.atomic
def load(users: Sequence[User]) -> ConsumptionSummary:
    """Load the consumption demo once; *users* are the demo accounts places.load() returns."""
    demo = _Demo(users)
    if Supplier.objects.filter(pairing=demo.pairing(COUNTY), name=KIWI_SUPPLIER).exists():
        return _summary(created=False)
    sales = _Planner().plan()
    _order_ids(sales)
    batches = _batches(sales)
    demo.register(_capacities(sales, batches))
    demo.certify()
    demo.channels_and_buyers()
    demo.ingest(batches)
    demo.resolve(sales)
    demo.demand()
    return _summary(created=True)
