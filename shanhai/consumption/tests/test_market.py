"""The market pages: the sales dashboard, 832 reserved shares, the demand board and its matches,
production guidance, and the growers' public page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from shanhai.accounts.models import Role, Side
from shanhai.consumption import guidance, services
from shanhai.consumption.models import (
    Buyer,
    BuyerQuota,
    Channel,
    Demand,
    GuidanceNotice,
    SalesMonth,
)
from shanhai.consumption.services import SaleInput
from shanhai.consumption.tests.conftest import certify
from shanhai.ledger.tests.factories import person

pytestmark = pytest.mark.django_db

# Measured, and the same with 1 sale line or 601: session, user, the pairing (2), the years,
# the two monthly sums by mode, the channels to link to (2), the sums by channel, product and
# category, the pairings to switch to (2), and the navigation: the import link (1) and the flags
# badge of the tabs (2). The grants are read again by each access check (the core's choice).
DASHBOARD_QUERIES = 18
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}  # English pages: the Chinese catalogue may lack a string


def sell(shop, user, *, channel=None, lines, prefix="S"):
    """Record sale lines: (day, product, quantity, amount, buyer) each."""
    sales = [
        SaleInput(
            order_id=f"{prefix}-{index}",
            sold_on=day,
            product_id=product.pk,
            quantity=Decimal(quantity),
            amount=Decimal(amount),
            buyer_id=buyer.pk if buyer else None,
        )
        for index, (day, product, quantity, amount, buyer) in enumerate(lines)
    ]
    services.ingest_sales(
        channel=channel or shop.channel, sales=sales, entry_method="form", user=user
    )


def url(name, pairing=None, **query):
    parts = [f"pairing={pairing.code}"] if pairing else []
    parts += [f"{key}={value}" for key, value in query.items()]
    return reverse(f"consumption_market:{name}") + ("?" + "&".join(parts) if parts else "")


def post_kiwi_demand(tree, shop, user, **fields):
    values = {
        "category": "fruit",
        "product_name": "猕猴桃",
        "quantity_kg": Decimal(12000),
        "deliver_from": date(2023, 9, 1),
        "deliver_to": date(2023, 10, 31),
        "price_min": Decimal(20),
        "price_max": Decimal(30),
        "quality": "单果 80 克以上",
    }
    values.update(fields)
    return services.post_demand(pairing=tree.county, buyer=shop.union, posted_by=user, **values)


# Dashboard ------------------------------------------------------------------------------------


@pytest.fixture
def sales(shop, east_office):
    """2023: a certified kiwifruit sale to the union (counted, purchased), one to the public
    (counted, helped) at the expo, and uncertified honey (not counted)."""
    sell(
        shop,
        east_office,
        lines=[
            (date(2023, 9, 12), shop.kiwi, 500, 30000, shop.union),
            (date(2023, 10, 3), shop.honey, 100, 8000, shop.public),
        ],
    )
    sell(
        shop,
        east_office,
        channel=shop.expo,
        prefix="E",
        lines=[(date(2023, 11, 5), shop.kiwi, 200, 12000, shop.public)],
    )
    return shop


def test_the_dashboard_shows_counted_and_uncounted_sales_in_ten_thousand_yuan(
    client, sales, tree, east_office
):
    client.force_login(east_office)

    response = client.get(url("dashboard", tree.county, year=2023), **EN)

    assert response.status_code == 200
    board = response.context["board"]
    assert board.counted == Decimal(42000)
    assert board.purchased == Decimal(30000)
    assert board.helped == Decimal(12000)
    assert board.uncounted == Decimal(8000)
    html = response.content.decode()
    assert "4.2 × 10k yuan" in html  # counted
    assert "0.8 × 10k yuan" in html  # the uncertified honey
    assert "森鲜馆" in html
    assert "进博会展区" in html
    assert 'data-chart="stacked"' in html
    assert "echarts.min.js" in html  # named, fetched only when a chart is opened
    assert re.search(r'<script nonce="[^"]+" src="/static/js/charts\.js"', html)  # CSP


def test_one_channels_dashboard_shows_only_its_sales(client, sales, tree, east_office):
    client.force_login(east_office)

    response = client.get(url("dashboard", tree.county, year=2023, channel=sales.expo.pk))

    assert response.status_code == 200
    assert response.context["channel"] == sales.expo
    assert response.context["board"].counted == Decimal(12000)
    assert response.context["board"].uncounted == 0


def test_an_outsider_cannot_open_another_pairings_dashboard_or_channel(
    client, sales, tree, outsider
):
    client.force_login(outsider)

    assert client.get(url("dashboard", tree.county)).status_code == 404
    assert client.get(url("dashboard", tree.elsewhere, channel=sales.channel.pk)).status_code == 404


def test_the_dashboard_opens_on_the_latest_year_with_sales(client, sales, tree, east_office):
    client.force_login(east_office)

    response = client.get(url("dashboard", tree.county))

    assert response.context["year"] == 2023


def test_the_dashboard_reads_the_same_number_of_queries_however_many_lines(
    client, shop, tree, east_office, django_assert_num_queries
):
    sell(shop, east_office, lines=[(date(2023, 9, 12), shop.kiwi, 5, 300, shop.union)])
    client.force_login(east_office)
    address = url("dashboard", tree.county, year=2023)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(address)

    sell(
        shop,
        east_office,
        prefix="M",
        lines=[
            (date(2023, month, day), product, 1, 60, buyer)
            for month in range(1, 13)
            for day in range(1, 26)
            for product, buyer in ((shop.kiwi, shop.union), (shop.honey, shop.public))
        ],
    )
    assert SalesMonth.objects.count() > 20

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(address)
    assert response.context["board"].lines == 1 + 12 * 25 * 2


# 832 reserved shares ---------------------------------------------------------------------------


@pytest.fixture
def budget_unit(shop, tree, east_office):
    """A Songjiang budget unit with a 10,000-yuan share in 2023, 2,500 bought through 832."""
    unit = services.register_buyer(
        recorded_by=east_office,
        pairing=tree.county,
        name="松江区机关事务管理局",
        kind=Buyer.Kind.BUDGET_UNIT,
        side=Side.EAST,
    )
    platform = services.register_channel(
        pairing=tree.county,
        recorded_by=east_office,
        name="832平台",
        kind=Channel.Kind.PLATFORM_832,
    )
    services.set_quota(
        buyer=unit, year=2023, reserved_amount=Decimal(10000), set_by=east_office,
        pairing=tree.county,
    )  # fmt: skip
    sell(
        shop,
        east_office,
        channel=platform,
        prefix="832",
        lines=[(date(2023, 5, 8), shop.kiwi, 40, 2500, unit)],
    )
    return unit


def test_the_832_page_shows_each_budget_units_share_and_how_much_is_bought(
    client, budget_unit, tree, east_office
):
    client.force_login(east_office)

    response = client.get(url("quota-list", tree.county, year=2023))

    (progress,) = response.context["progress"]
    assert progress.buyer == budget_unit
    assert progress.percent == Decimal("25.0")
    html = response.content.decode()
    assert '<progress max="100" value="25.0"' in html
    assert "25.0%" in html


def test_an_office_sets_a_reserved_share_in_ten_thousand_yuan(
    client, budget_unit, tree, east_office
):
    client.force_login(east_office)

    response = client.post(
        url("quota-list", tree.county, year=2024),
        {"buyer": budget_unit.pk, "year": 2024, "reserved": "12.5"},
    )

    assert response.status_code == 302
    assert BuyerQuota.objects.get(buyer=budget_unit, year=2024).reserved_amount == Decimal(125000)


def test_a_liaison_sees_the_shares_but_cannot_set_one(client, budget_unit, tree):
    liaison = person(tree.county, Role.TOWN_LIAISON, Side.EAST)
    client.force_login(liaison)

    page = client.get(url("quota-list", tree.county, year=2023))
    posted = client.post(
        url("quota-list", tree.county, year=2024),
        {"buyer": budget_unit.pk, "year": 2024, "reserved": "1"},
    )

    assert page.status_code == 200
    assert page.context["form"] is None
    assert posted.status_code == 403
    assert not BuyerQuota.objects.filter(year=2024).exists()


# Demand board ----------------------------------------------------------------------------------


def test_the_demand_board_lists_open_demand_with_its_quantity_window_and_prices(
    client, shop, tree, east_office
):
    post_kiwi_demand(tree, shop, east_office)
    closed = post_kiwi_demand(tree, shop, east_office, product_name="苹果")
    services.close_demand(demand=closed, closed_by=east_office)
    client.force_login(east_office)

    response = client.get(url("demand-list", tree.county), **EN)

    html = response.content.decode()
    assert "猕猴桃" in html
    assert "12 t" in html
    assert "20–30 yuan/kg" in html
    assert "单果 80 克以上" in html
    assert "苹果" not in html  # closed: not on the open board


def test_the_demand_board_filters_by_category(client, shop, tree, east_office):
    post_kiwi_demand(tree, shop, east_office)
    post_kiwi_demand(tree, shop, east_office, category="tea", product_name="绿茶")
    client.force_login(east_office)

    response = client.get(url("demand-list", tree.county, category="tea"))

    assert [row.what for row in response.context["rows"]] == ["绿茶"]


def test_an_office_posts_demand_in_tonnes(client, shop, tree, east_office):
    client.force_login(east_office)

    response = client.post(
        url("demand-create", tree.county),
        {
            "buyer": shop.union.pk,
            "category": "fruit",
            "product_name": "猕猴桃",
            "quantity": "2.5",
            "unit": "t",
            "deliver_from": "2023-09-01",
            "deliver_to": "2023-10-31",
            "price_min": "20",
            "price_max": "30",
            "quality": "",
        },
    )

    demand = Demand.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consumption_market:demand-detail", args=[demand.pk])
    assert demand.quantity_kg == Decimal(2500)
    assert demand.pairing == tree.county
    assert demand.posted_by == east_office


def test_a_demand_form_with_its_window_or_price_band_reversed_says_so_at_the_field(
    client, shop, tree, east_office
):
    client.force_login(east_office)

    response = client.post(
        url("demand-create", tree.county),
        {
            "buyer": shop.union.pk,
            "category": "fruit",
            "quantity": "500",
            "unit": "kg",
            "deliver_from": "2023-10-31",
            "deliver_to": "2023-09-01",
            "price_min": "30",
            "price_max": "20",
        },
        **EN,
    )

    form = response.context["form"]
    assert form.errors["deliver_to"] == ["Delivery cannot end before it starts."]
    assert form.errors["price_max"] == ["The top of the price band is below its bottom."]
    assert not Demand.objects.exists()
    assert 'class="field has-error"' in response.content.decode()


def test_a_viewer_cannot_post_demand(client, shop, tree):
    client.force_login(person(tree.county, Role.VIEWER, Side.EAST))

    assert client.get(url("demand-create", tree.county)).status_code == 403


def test_demand_matches_only_certified_products(client, shop, tree, east_office, west_office):
    uncertified = services.register_product(
        supplier=shop.supplier,
        recorded_by=west_office,
        name="黄心猕猴桃",
        category="fruit",
        unit="公斤",
        reference_price=Decimal(25),
        season_months=[9, 10],
        capacity_quantity=Decimal(50000),
        capacity_amount=Decimal(1250000),
    )
    demand = post_kiwi_demand(tree, shop, east_office)
    client.force_login(east_office)

    response = client.get(reverse("consumption_market:demand-detail", args=[demand.pk]), **EN)

    matches = response.context["matches"]
    assert [m.match.product for m in matches] == [shop.kiwi]
    assert uncertified.name not in response.content.decode()
    (kiwi,) = matches
    assert kiwi.match.in_season
    assert kiwi.price == "in"  # 60 yuan for 2.5 kg: 24 yuan/kg, within 20–30
    assert kiwi.capacity == "2.5 t"
    assert not kiwi.enough  # 12 t wanted


def test_an_outsider_cannot_open_a_demand(client, shop, tree, east_office, outsider):
    demand = post_kiwi_demand(tree, shop, east_office)
    client.force_login(outsider)

    assert (
        client.get(reverse("consumption_market:demand-detail", args=[demand.pk])).status_code == 404
    )
    assert client.get(url("demand-list", tree.county)).status_code == 404


def test_the_office_closes_demand_as_met_by_a_matched_supplier(client, shop, tree, east_office):
    demand = post_kiwi_demand(tree, shop, east_office)
    client.force_login(east_office)

    response = client.post(
        reverse("consumption_market:demand-detail", args=[demand.pk]),
        {"outcome": str(shop.supplier.pk)},
    )

    demand.refresh_from_db()
    assert response.status_code == 302
    assert demand.status == Demand.Status.MATCHED
    assert demand.matched_supplier == shop.supplier


def test_the_office_closes_demand_as_withdrawn(client, shop, tree, east_office):
    demand = post_kiwi_demand(tree, shop, east_office)
    client.force_login(east_office)

    client.post(
        reverse("consumption_market:demand-detail", args=[demand.pk]), {"outcome": "withdrawn"}
    )

    demand.refresh_from_db()
    assert demand.status == Demand.Status.CLOSED
    assert demand.matched_supplier is None


# Guidance ------------------------------------------------------------------------------------


@pytest.fixture
def kiwi_history(shop, east_office, west_office):
    """Kiwifruit sold 2022–2024, 5 t a month in September to November; certified to 2027."""
    sell(
        shop,
        east_office,
        prefix="K",
        lines=[
            (date(year, month, 10), shop.kiwi, 2000 if month in (9, 10, 11) else 40, 6000, None)
            for year in (2022, 2023, 2024)
            for month in range(1, 13)
        ],
    )
    certify(
        shop.kiwi,
        west_office,
        valid_from=date(2025, 1, 1),
        valid_to=date(2027, 12, 31),
        number="WX-KIWI-2025",
    )
    return shop


def test_the_guidance_page_sets_forecast_demand_against_supply_with_the_numbers_behind_it(
    client, kiwi_history, tree, east_office
):
    expected = guidance.pairing_guidance(tree.county)
    (fruit,) = expected.categories
    client.force_login(east_office)

    response = client.get(url("guidance", tree.county), **EN)

    assert response.status_code == 200
    html = response.content.decode()
    (shown,) = response.context["categories"]
    assert shown["totals"]["demand"] == (fruit.figures.total_demand / 1000).quantize(
        Decimal("0.01")
    )
    assert "36 months" in html
    assert "Holt-Winters" in html or "Seasonal naive" in html
    assert "seasonal-naive MAE" in html
    assert "麟凤镇" in html  # the township the kiwifruit comes from
    with translation.override("en"):
        assert guidance.sentences(expected, fruit)[0] in html


def test_an_outsider_cannot_open_another_pairings_guidance(client, shop, tree, outsider):
    client.force_login(outsider)

    assert client.get(url("guidance", tree.county)).status_code == 404


def test_an_office_publishes_a_notice_that_growers_see(client, shop, tree, west_office):
    client.force_login(west_office)

    response = client.post(
        url("notice-create", tree.county),
        {
            "title": "秋季猕猴桃提早备货",
            "body": "上海方面九月需求大，请各合作社提前安排采摘和冷库。",
            "category": "fruit",
            "town": tree.west_town.pk,
        },
    )

    notice = GuidanceNotice.objects.get()
    assert response.status_code == 302
    assert notice.published_on is not None
    assert notice.town == tree.west_town
    assert "秋季猕猴桃提早备货" in client.get(url("guidance", tree.county)).content.decode()
    client.logout()
    public = client.get(reverse("consumption_market:producer", args=[tree.county.code]))
    assert "请各合作社提前安排采摘和冷库" in public.content.decode()


# The growers' page ---------------------------------------------------------------------------


def test_growers_read_the_guidance_without_an_account(client, kiwi_history, tree, east_office):
    next_year = timezone.localdate().year + 1
    post_kiwi_demand(
        tree,
        kiwi_history,
        east_office,
        deliver_from=date(next_year, 9, 1),
        deliver_to=date(next_year, 10, 31),
    )
    expected = guidance.pairing_guidance(tree.county, with_backtest=False)
    (fruit,) = expected.categories

    response = client.get(reverse("consumption_market:producer", args=[tree.county.code]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    sentences = guidance.sentences(expected, fruit)
    assert sentences
    for sentence in sentences:
        assert sentence in html  # the numbers guidance.py worked out
    for season in guidance.seasons(fruit.figures):
        assert guidance.weight_text(season.total_demand) in html
    assert "猕猴桃" in html
    assert "单果 80 克以上" in html  # what buyers require
    assert "松江区总工会" not in html  # but not who they are
    assert "20" + "–30" not in html  # nor what they offer to pay


def test_the_growers_page_is_light_and_may_be_cached(client, kiwi_history, tree):
    response = client.get(reverse("consumption_market:producer", args=[tree.county.code]))

    html = response.content.decode()
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert "<script" not in html
    assert "stylesheet" not in html  # nothing more to load
    assert len(response.content) < 6000


def test_the_growers_page_of_an_unknown_pairing_is_not_found(client, shop):
    response = client.get(reverse("consumption_market:producer", args=["no-such-pairing"]))

    assert response.status_code == 404
