"""Production guidance: eastern demand forecast per category and month against the declared
supply of certified products, per township, and the sentences growers read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from shanhai.consumption import guidance, rules, services
from shanhai.consumption.guidance import Figures
from shanhai.consumption.models import Demand, Supplier
from shanhai.consumption.services import SaleInput
from shanhai.consumption.tests.conftest import certify
from shanhai.places.tests.factories import PlaceFactory

TODAY = date(2025, 1, 15)  # the day after three years of kiwifruit sales, 2022–2024
PEAK_BOXES = Decimal(2000)  # September to November: 2,000 boxes of 2.5 kg = 5 t a month
OFF_BOXES = Decimal(40)  # the rest of the year: 100 kg a month


def months(start: date, count: int) -> list[date]:
    return guidance.months_from(start, count)


def sell_kiwifruit(shop, user, years=(2022, 2023, 2024)):
    """One counted line a month: 5 t a month in the season (Sept–Nov), 100 kg otherwise."""
    sales = [
        SaleInput(
            order_id=f"K-{year}-{month}",
            sold_on=date(year, month, 10),
            product_id=shop.kiwi.pk,
            quantity=PEAK_BOXES if month in (9, 10, 11) else OFF_BOXES,
            amount=(PEAK_BOXES if month in (9, 10, 11) else OFF_BOXES) * 60,
            buyer_id=shop.union.pk,
        )
        for year in years
        for month in range(1, 13)
    ]
    outcome = services.ingest_sales(
        channel=shop.channel, sales=sales, entry_method="form", user=user
    )
    assert outcome.created == len(sales)


@pytest.fixture
def kiwi_years(shop, east_office, west_office):
    """Three years of counted kiwifruit sales, and the kiwifruit certified again for 2025–27."""
    sell_kiwifruit(shop, east_office)
    certify(
        shop.kiwi,
        west_office,
        valid_from=date(2025, 1, 1),
        valid_to=date(2027, 12, 31),
        number="WX-KIWI-2025",
    )
    return shop


def by_month(category):
    return {row.month: row for row in category.figures.rows()}


# The maths, on plain values -----------------------------------------------------------------


def test_declared_capacity_is_spread_evenly_over_the_season():
    spread = guidance.spread_supply(Decimal(3000), [9, 10, 11], months(date(2025, 1, 1), 12))

    assert spread[8] == spread[9] == spread[10] == Decimal(1000)
    assert sum(spread) == Decimal(3000)
    assert spread[0] == 0


def test_a_product_without_a_season_supplies_all_year():
    spread = guidance.spread_supply(Decimal(1200), [], months(date(2025, 1, 1), 12))

    assert spread == [Decimal(100)] * 12


def test_posted_demand_is_spread_over_the_months_of_its_delivery_window():
    spread = guidance.spread_demand(Decimal(9000), date(2025, 8, 20), date(2025, 10, 5))

    assert spread == {
        date(2025, 8, 1): Decimal(3000),
        date(2025, 9, 1): Decimal(3000),
        date(2025, 10, 1): Decimal(3000),
    }


def test_the_forecast_starts_this_month_through_an_off_season_without_sales():
    assert guidance.forecast_start(
        today=date(2025, 7, 3), last_sales_month=date(2024, 11, 1)
    ) == date(2025, 7, 1)


def test_the_forecast_starts_after_the_last_sales_when_a_whole_year_has_none():
    assert guidance.forecast_start(
        today=date(2026, 11, 29), last_sales_month=date(2023, 12, 1)
    ) == date(2024, 1, 1)


def test_a_certificate_counts_for_a_month_it_covers_any_day_of():
    span = rules.Validity(date(2025, 3, 20), date(2025, 6, 30), withdrawn_on=date(2025, 6, 1))

    assert not guidance.certified_in_month([span], date(2025, 2, 1))
    assert guidance.certified_in_month([span], date(2025, 3, 1))
    assert guidance.certified_in_month([span], date(2025, 5, 1))
    assert not guidance.certified_in_month([span], date(2025, 6, 1))  # withdrawn on the 1st


def test_gaps_and_surpluses_are_added_up_month_by_month_not_netted():
    figures = Figures(
        months=months(date(2025, 9, 1), 3),
        demand=[Decimal(5000), Decimal(5000), Decimal(0)],
        posted=[Decimal(0)] * 3,
        supply=[Decimal(3000), Decimal(6000), Decimal(2000)],
    )

    assert figures.balance == [Decimal(-2000), Decimal(1000), Decimal(2000)]
    assert figures.total_gap == Decimal(2000)  # September's shortfall stays a shortfall
    assert figures.total_surplus == Decimal(3000)


def test_a_township_has_its_share_of_past_sales_else_of_supply():
    shares = guidance.town_shares({1: Decimal(300), 2: Decimal(100)}, {3: Decimal(50)})
    assert shares == {1: Decimal("0.75"), 2: Decimal("0.25"), 3: Decimal(0)}

    unsold = guidance.town_shares({}, {1: Decimal(100), 2: Decimal(300)})
    assert unsold == {1: Decimal("0.25"), 2: Decimal("0.75")}


def test_seasons_are_the_runs_of_months_near_the_peak():
    twelve = months(date(2025, 1, 1), 12)
    demand = [Decimal(100)] * 12
    for month in (8, 9, 10):  # September to November
        demand[month] = Decimal(5000)
    figures = Figures(twelve, demand, [Decimal(0)] * 12, [Decimal(0)] * 12)

    (season,) = guidance.seasons(figures)

    assert season.months == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)]
    assert season.total_demand == Decimal(15000)


def test_the_harvest_months_are_named_too_when_demand_peaks_elsewhere():
    twelve = months(date(2025, 1, 1), 12)
    demand = [Decimal(10)] * 12
    demand[11] = Decimal(600)  # posted for December
    supply = [Decimal(0)] * 12
    for month in (2, 3, 4):  # spring tea, March to May
        supply[month] = Decimal(500)
    figures = Figures(twelve, demand, [Decimal(0)] * 12, supply)

    found = guidance.seasons(figures)

    assert [[m.month for m in s.months] for s in found] == [[3, 4, 5], [12]]


def test_even_demand_is_one_season_of_twelve_months_and_no_demand_none():
    twelve = months(date(2025, 1, 1), 12)
    even = Figures(twelve, [Decimal(100)] * 12, [Decimal(0)] * 12, [Decimal(0)] * 12)
    none = Figures(twelve, [Decimal(0)] * 12, [Decimal(0)] * 12, [Decimal(0)] * 12)

    assert [len(s.months) for s in guidance.seasons(even)] == [12]
    assert guidance.seasons(none) == []


@pytest.mark.parametrize(
    ("kg", "text"),
    [
        (Decimal(12300), "12 t"),
        (Decimal(3460), "3.5 t"),
        (Decimal(1000), "1 t"),
        (Decimal(354), "350 kg"),
        (Decimal("7.6"), "8 kg"),
    ],
)
def test_weights_are_written_as_precisely_as_a_grower_needs(kg, text):
    with translation.override("en"):
        assert guidance.weight_text(kg) == text


def test_months_are_written_with_the_year_only_when_it_is_not_this_year():
    today = date(2025, 1, 15)
    with translation.override("zh-hans"):
        assert guidance.months_text(months(date(2025, 9, 1), 2), today=today) == "9–10月"
        assert guidance.months_text(months(date(2026, 3, 1), 1), today=today) == "2026年3月"
        assert guidance.months_text(months(date(2025, 12, 1), 3), today=today) == "12月–2026年2月"
    with translation.override("en"):
        assert guidance.months_text(months(date(2025, 9, 1), 2), today=today) == "September–October"


def _one_category(demand, supply, *, start=date(2025, 9, 1)):
    count = len(demand)
    figures = Figures(months(start, count), demand, [Decimal(0)] * count, supply)
    category = guidance.CategoryGuidance(
        category="fruit",
        figures=figures,
        method="seasonal_naive",
        history_months=24,
        history_kg=Decimal(0),
        backtest=None,
        towns=[],
        products=["红心猕猴桃"],
        demand_names=[],
    )
    found = guidance.Guidance(
        pairing=None,  # type: ignore[arg-type]  # east is given: no pairing is read
        start=start,
        months=figures.months,
        categories=[category],
        last_sales_month=None,
        today=date(2025, 8, 20),
        forecast_from=start,
        east="上海",
    )
    return found, category


@pytest.mark.parametrize(
    ("supply", "ending"),
    [
        (Decimal(4000), "8 t is registered, about 2 t short."),
        (Decimal(4800), "9.6 t is registered, about enough."),  # 4 % short: within the error
        (Decimal(6000), "12 t is registered, enough supply."),
        (Decimal(0), "no certified supply is registered for these months."),
    ],
)
def test_the_sentence_says_short_about_enough_or_enough(supply, ending):
    found, category = _one_category([Decimal(5000)] * 2, [supply] * 2)

    with translation.override("en"):
        (sentence,) = guidance.sentences(found, category)

    assert sentence == (
        f"上海 is expected to need about 10 t of 红心猕猴桃 in September–October; {ending}"
    )


# From the ledger ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_three_years_of_kiwifruit_forecast_a_gap_next_september_and_october(kiwi_years, tree):
    found = guidance.pairing_guidance(tree.county, today=TODAY)

    assert found.start == date(2025, 1, 1)
    assert not found.is_stale
    (fruit,) = found.categories
    assert fruit.category == "fruit"
    assert fruit.history_months == 36
    assert fruit.history_kg == 3 * (3 * 5000 + 9 * 100)  # boxes × 2.5 kg
    rows = by_month(fruit)
    september, october = rows[date(2025, 9, 1)], rows[date(2025, 10, 1)]
    # The same season three years running: about 5 t each month again.
    assert Decimal(4500) < september.demand < Decimal(5500)
    assert Decimal(4500) < october.demand < Decimal(5500)
    # 1,000 boxes of 2.5 kg a year, spread over September to November.
    assert september.supply == october.supply == Decimal(2500) / 3
    assert september.balance < Decimal(-3500)  # a gap of about 4 t
    assert rows[date(2025, 3, 1)].demand < Decimal(500)
    assert rows[date(2025, 3, 1)].supply == 0  # not in season


@pytest.mark.django_db
def test_a_ledger_not_kept_for_years_carries_its_pattern_forward_to_the_months_shown(
    kiwi_years, tree
):
    found = guidance.pairing_guidance(tree.county, today=date(2026, 11, 29))

    assert found.is_stale
    assert found.forecast_from == date(2025, 1, 1)  # after the last sales recorded
    assert found.months[0] == date(2026, 11, 1)  # but the months shown start now
    assert found.months_beyond_record == 23
    (fruit,) = found.categories
    assert fruit.history_months == 36
    september = by_month(fruit)[date(2027, 9, 1)]
    assert Decimal(4000) < september.demand < Decimal(6000)  # the season again
    assert september.supply == Decimal(2500) / 3  # certified to the end of 2027


@pytest.mark.django_db
def test_the_forecast_is_backtested_against_seasonal_naive(kiwi_years, tree):
    (fruit,) = guidance.pairing_guidance(tree.county, today=TODAY).categories

    assert fruit.backtest is not None
    assert fruit.backtest.holdout_months == 12
    assert fruit.backtest.naive_mae == 0  # the last year repeated the one before exactly
    assert fruit.method in {"holt_winters", "seasonal_naive"}


@pytest.mark.django_db
def test_a_category_with_under_two_years_of_sales_has_no_backtest(shop, east_office, tree):
    sell_kiwifruit(shop, east_office, years=(2023,))

    (fruit,) = guidance.pairing_guidance(tree.county, today=date(2024, 1, 10)).categories

    assert fruit.history_months == 12
    assert fruit.method == "seasonal_naive"
    assert fruit.backtest is None


@pytest.mark.django_db
def test_a_category_with_no_supply_is_all_gap(kiwi_years, tree, east_office):
    services.post_demand(
        pairing=tree.county,
        buyer=kiwi_years.union,
        posted_by=east_office,
        category="tea",
        product_name="绿茶",
        quantity_kg=Decimal(2000),
        deliver_from=date(2025, 3, 1),
        deliver_to=date(2025, 4, 30),
    )

    found = guidance.pairing_guidance(tree.county, today=TODAY)

    tea = next(c for c in found.categories if c.category == "tea")
    assert tea.figures.total_supply == 0
    assert tea.figures.total_demand == Decimal(2000)
    assert tea.figures.total_gap == Decimal(2000)
    assert by_month(tea)[date(2025, 3, 1)].posted == Decimal(1000)
    assert tea.name == "绿茶"  # the product the demand names


@pytest.mark.django_db
def test_posted_demand_raises_the_forecast(kiwi_years, tree, east_office):
    before = by_month(guidance.pairing_guidance(tree.county, today=TODAY).categories[0])
    services.post_demand(
        pairing=tree.county,
        buyer=kiwi_years.union,
        posted_by=east_office,
        category="fruit",
        product_name="猕猴桃",
        quantity_kg=Decimal(10000),
        deliver_from=date(2025, 3, 1),
        deliver_to=date(2025, 3, 31),
    )

    (fruit,) = guidance.pairing_guidance(tree.county, today=TODAY).categories

    march = by_month(fruit)[date(2025, 3, 1)]
    assert before[date(2025, 3, 1)].demand < Decimal(500)
    assert march.demand == Decimal(10000)  # at least what buyers posted
    assert march.posted == Decimal(10000)
    assert fruit.name == "猕猴桃"  # covers 红心猕猴桃, the only fruit sold here


@pytest.mark.django_db
def test_closed_demand_and_uncertified_products_are_left_out(kiwi_years, tree, east_office):
    demand = services.post_demand(
        pairing=tree.county,
        buyer=kiwi_years.union,
        posted_by=east_office,
        category="processed",
        quantity_kg=Decimal(500),
        deliver_from=date(2025, 5, 1),
        deliver_to=date(2025, 5, 31),
    )
    services.close_demand(demand=demand, closed_by=east_office)

    found = guidance.pairing_guidance(tree.county, today=TODAY)

    # 土蜂蜜 was never certified: it supplies nothing, and the closed demand asks for nothing.
    assert [c.category for c in found.categories] == ["fruit"]
    assert Demand.objects.get().status == Demand.Status.CLOSED


@pytest.mark.django_db
def test_each_township_has_its_share_of_demand_and_its_own_supply(
    kiwi_years, tree, west_office, east_office
):
    other_town = PlaceFactory.create(name="扎西镇", parent=tree.west_county)
    grower = services.register_supplier(
        pairing=tree.county,
        recorded_by=west_office,
        name="扎西镇猕猴桃大户",
        kind=Supplier.Kind.BIG_GROWER,
        place=other_town,
    )
    gold = services.register_product(
        supplier=grower,
        recorded_by=west_office,
        name="黄心猕猴桃",
        category="fruit",
        unit="公斤",
        reference_price=Decimal(20),
        season_months=[9, 10],
        capacity_quantity=Decimal(20000),
        capacity_amount=Decimal(400000),
    )
    certify(gold, west_office, valid_from=date(2022, 1, 1), valid_to=date(2027, 12, 31))

    (fruit,) = guidance.pairing_guidance(tree.county, today=TODAY).categories

    towns = {t.town.name: t for t in fruit.towns if t.town is not None}
    assert set(towns) == {"麟凤镇", "扎西镇"}
    assert towns["麟凤镇"].share == 1  # every kilogram sold so far came from 麟凤镇
    assert towns["扎西镇"].share == 0
    september = date(2025, 9, 1)
    zhaxi = dict(zip(towns["扎西镇"].figures.months, towns["扎西镇"].figures.supply, strict=True))
    assert zhaxi[september] == Decimal(10000)  # 20 t over September and October
    assert by_month(fruit)[september].supply == Decimal(10000) + Decimal(2500) / 3
    assert fruit.name == fruit.label  # two kinds of kiwifruit and no demand naming one


@pytest.mark.django_db
def test_a_certificate_ending_within_the_months_shown_is_pointed_out(shop, west_office, tree):
    found = guidance.pairing_guidance(tree.county, today=date(2024, 6, 1))

    (fruit,) = found.categories  # certified 2022–2024, season September to November
    assert fruit.expiring == [("红心猕猴桃", date(2024, 12, 31))]
    assert by_month(fruit)[date(2025, 1, 1)].supply == 0


@pytest.mark.django_db
def test_growers_read_the_season_in_a_plain_sentence(kiwi_years, tree):
    found = guidance.pairing_guidance(tree.county, today=TODAY, with_backtest=False)
    (fruit,) = found.categories
    (season,) = guidance.seasons(fruit.figures)

    with translation.override("en"):
        (sentence,) = guidance.sentences(found, fruit)
        demand_t = guidance.weight_text(season.total_demand)

    assert season.months == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)]
    assert sentence.startswith("松江 is expected to need about ")
    assert demand_t in sentence
    assert "红心猕猴桃" in sentence
    assert "in September–November;" in sentence
    assert "2.5 t is registered, about" in sentence
    assert "short." in sentence


@pytest.mark.django_db
def test_the_backtest_command_reports_model_and_seasonal_naive_errors(kiwi_years, tree):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("forecast_backtest", pairing=tree.county.code, stdout=out)

    text = out.getvalue()
    fruit = next(line for line in text.splitlines() if line.startswith("| fruit |"))
    cells = [cell.strip() for cell in fruit.strip("|").split("|")]
    assert cells[1] == "36"  # months of counted kiwifruit sales, 2022–2024
    assert float(cells[3].replace(",", "")) >= 0  # the model's error, kg a month
    assert float(cells[4].replace(",", "")) >= 0  # seasonal naive's
    assert "peak drifting later each year" in text  # the synthetic shapes follow


def test_the_backtest_command_names_an_unknown_pairing(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no-such-pairing"):
        call_command("forecast_backtest", pairing="no-such-pairing")
