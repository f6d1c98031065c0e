"""Sales from every channel: counted only when certified, replays never double-count, every
doubt flagged, and the monthly sums and indicator facts always equal a recount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from shanhai.consumption import selectors, services
from shanhai.consumption.models import SaleFlag, SaleLine, SalesMonth
from shanhai.consumption.services import SaleInput
from shanhai.consumption.tests.conftest import certify
from shanhai.facts import selectors as facts_selectors
from shanhai.places.models import LockedYear

pytestmark = pytest.mark.django_db


def kiwi(shop, order_id, day=date(2022, 9, 1), quantity=10, amount=600, **extra):
    return SaleInput(order_id, day, shop.kiwi.pk, Decimal(quantity), Decimal(amount), **extra)


def push(shop, user, *sales, channel=None):
    return services.ingest_sales(
        channel=channel or shop.channel, sales=list(sales), entry_method="api", user=user
    )


def totals(user):
    return selectors.sales_totals(selectors.months_for_user(user))


def recount_matches():
    """SalesMonth and the rollups equal what the sale lines say, recomputed from scratch."""
    stored = sorted(
        SalesMonth.objects.values_list(
            "month", "pairing_id", "channel_id", "product_id", "mode", "is_counted", "lines",
            "quantity", "amount",
        )
    )  # fmt: skip
    services.rebuild_sales_months()
    rebuilt = sorted(
        SalesMonth.objects.values_list(
            "month", "pairing_id", "channel_id", "product_id", "mode", "is_counted", "lines",
            "quantity", "amount",
        )
    )  # fmt: skip
    return stored == rebuilt and facts_selectors.rollup_differences() == []


def test_a_certified_sale_counts_and_an_uncertified_one_is_shown_but_not_counted(shop, east_office):
    honey = SaleInput("H1", date(2022, 9, 1), shop.honey.pk, Decimal(2), Decimal(160))

    outcome = push(shop, east_office, kiwi(shop, "K1"), honey)

    assert [(r.status, r.is_counted, r.flags) for r in outcome.results] == [
        ("created", True, ()),
        ("created", False, ("uncertified",)),
    ]
    assert totals(east_office) == selectors.SalesTotals(Decimal(600), 1, Decimal(160), 1)
    assert recount_matches()


def test_a_sale_before_the_certificate_starts_is_not_counted(shop, east_office):
    outcome = push(shop, east_office, kiwi(shop, "K0", day=date(2021, 12, 31)))

    assert outcome.results[0].flags == ("uncertified",)
    assert totals(east_office).counted_amount == 0


def test_replaying_a_batch_changes_nothing(shop, east_office):
    batch = [kiwi(shop, f"K{n}", quantity=n, amount=60 * n) for n in range(1, 6)]
    push(shop, east_office, *batch)
    before = (totals(east_office), SaleLine.objects.count(), SaleFlag.objects.count())

    again = push(shop, east_office, *batch)

    assert [r.status for r in again.results] == ["replayed"] * 5
    assert (again.created, again.replayed, again.rejected) == (0, 5, 0)
    assert (totals(east_office), SaleLine.objects.count(), SaleFlag.objects.count()) == before
    assert recount_matches()


def test_an_order_id_sent_again_with_other_values_is_refused_and_the_first_stands(
    shop, east_office
):
    push(shop, east_office, kiwi(shop, "K1", amount=600))

    outcome = push(shop, east_office, kiwi(shop, "K1", amount=900))

    with translation.override("en"):
        assert outcome.errors[0].field == "order_id"
    assert outcome.results[0].status == "rejected"
    assert totals(east_office).counted_amount == 600


def test_the_same_order_id_of_another_channel_is_another_sale(shop, east_office):
    push(shop, east_office, kiwi(shop, "1001", amount=600))
    outcome = push(shop, east_office, kiwi(shop, "1001", amount=300), channel=shop.expo)

    assert outcome.created == 1
    assert SaleLine.objects.filter(order_id="1001").count() == 2


def test_bad_lines_are_rejected_one_by_one_with_the_field_and_good_ones_are_kept(shop, east_office):
    with translation.override("en"):
        outcome = push(
            shop,
            east_office,
            kiwi(shop, "OK1"),
            kiwi(shop, "FUT", day=date(2999, 1, 1)),
            kiwi(shop, "NEG", quantity=-1),
            SaleInput("NOP", date(2022, 9, 1), 999999, Decimal(1), Decimal(1)),
            kiwi(shop, "", amount=1),
            kiwi(shop, "BUY", buyer_id=999999),
        )

    assert [(e.index, e.field) for e in outcome.errors] == [
        (1, "sold_on"),
        (2, "quantity"),
        (3, "product"),
        (4, "order_id"),
        (5, "buyer"),
    ]
    assert "future" in outcome.errors[0].message
    assert [r.status for r in outcome.results] == ["created"] + ["rejected"] * 5
    assert outcome.batch.lines_received == 6
    assert outcome.batch.lines_rejected == 5
    assert SaleLine.objects.get().order_id == "OK1"


def test_a_batch_over_ten_thousand_lines_is_refused_whole(shop, east_office):
    sales = [kiwi(shop, f"B{n}", quantity=1, amount=60) for n in range(10_001)]

    with pytest.raises(ValidationError, match="10000"):
        push(shop, east_office, *sales)

    assert not SaleLine.objects.exists()


def test_someone_without_rights_in_the_channels_pairing_cannot_push(shop, outsider):
    with pytest.raises(PermissionDenied):
        push(shop, outsider, kiwi(shop, "X1"))
    assert not SaleLine.objects.exists()


def test_a_price_far_from_the_reference_is_flagged_but_counted(shop, east_office):
    outcome = push(shop, east_office, kiwi(shop, "CHEAP", quantity=10, amount=100))

    assert outcome.results[0].flags == ("price",)
    assert outcome.results[0].is_counted
    flag = SaleFlag.objects.get()
    assert "10.00" in flag.detail
    assert "60" in flag.detail


def test_selling_more_in_a_year_than_the_declared_capacity_is_flagged(shop, east_office):
    push(shop, east_office, kiwi(shop, "A", quantity=900, amount=54000))

    outcome = push(
        shop,
        east_office,
        kiwi(shop, "B", quantity=90, amount=5400),
        kiwi(shop, "C", quantity=20, amount=1200),
        kiwi(shop, "D", day=date(2023, 9, 1), quantity=20, amount=1200),  # a new year
    )

    assert [r.flags for r in outcome.results] == [(), ("over_capacity",), ()]


def test_the_same_sale_reported_by_two_channels_is_held_until_checked(shop, east_office):
    first = push(shop, east_office, kiwi(shop, "SX-1", buyer_id=shop.union.pk))
    second = push(
        shop, east_office, kiwi(shop, "EXPO-77", buyer_id=shop.union.pk), channel=shop.expo
    )

    assert second.results[0].flags == ("duplicate",)
    assert not second.results[0].is_counted
    flag = SaleFlag.objects.get(kind="duplicate")
    assert flag.other_line_id == first.results[0].line_id
    assert "森鲜馆" in flag.detail
    assert totals(east_office).counted_amount == 600

    services.resolve_flags(
        flags=SaleFlag.objects.filter(pk=flag.pk), resolution="accepted", resolved_by=east_office
    )

    assert totals(east_office).counted_amount == 1200
    assert recount_matches()


def test_excluding_a_flagged_sale_takes_it_out_of_the_counted_total(shop, east_office):
    push(shop, east_office, kiwi(shop, "CHEAP", quantity=10, amount=100), kiwi(shop, "OK"))

    services.resolve_flags(
        flags=SaleFlag.objects.filter(kind="price"),
        resolution="excluded",
        resolved_by=east_office,
        note="录入错误",
    )

    assert totals(east_office).counted_amount == 600
    assert SaleLine.objects.get(order_id="CHEAP").is_excluded
    assert recount_matches()


def test_a_product_credited_to_a_pairing_it_does_not_come_from_is_flagged(shop, tree, east_office):
    outcome = push(shop, east_office, kiwi(shop, "W1", pairing_id=tree.elsewhere.pk))

    assert outcome.results[0].flags == ("wrong_pairing",)


def test_crediting_the_county_pairing_above_the_suppliers_town_pairing_is_fine(
    shop, tree, east_office
):
    outcome = push(shop, east_office, kiwi(shop, "C1", pairing_id=tree.county.pk))

    assert outcome.results[0].flags == ()
    assert SaleLine.objects.get().pairing == tree.county


def test_accepting_an_uncertified_flag_does_not_make_the_sale_count(shop, east_office):
    push(
        shop,
        east_office,
        SaleInput("H1", date(2022, 9, 1), shop.honey.pk, Decimal(2), Decimal(160)),
    )

    services.resolve_flags(
        flags=SaleFlag.objects.all(), resolution="accepted", resolved_by=east_office
    )

    assert totals(east_office).counted_amount == 0


def test_certifying_a_product_later_counts_its_sales_within_the_certificate(
    shop, east_office, west_office
):
    push(
        shop,
        east_office,
        SaleInput("H1", date(2023, 3, 1), shop.honey.pk, Decimal(2), Decimal(160)),
        SaleInput("H2", date(2021, 3, 1), shop.honey.pk, Decimal(2), Decimal(160)),
    )

    certify(shop.honey, west_office, valid_from=date(2023, 1, 1))

    assert totals(east_office).counted_amount == 160
    flags = dict(SaleFlag.objects.values_list("line__order_id", "status"))
    assert flags == {"H1": "accepted", "H2": "open"}
    assert recount_matches()


def test_withdrawing_a_certificate_stops_counting_from_that_day(shop, east_office, west_office):
    push(
        shop,
        east_office,
        kiwi(shop, "K1", day=date(2022, 9, 1)),
        kiwi(shop, "K2", day=date(2023, 9, 1)),
    )
    cert = shop.kiwi.certifications.get()

    services.advance_certification(
        certification=cert, step="withdrawn", by=west_office, on=date(2023, 1, 1), note="抽检不合格"
    )

    assert totals(east_office).counted_amount == 600
    assert SaleFlag.objects.get().line.order_id == "K2"
    assert recount_matches()


def test_a_locked_year_takes_no_more_sales(shop, tree, east_office):
    LockedYear.objects.create(pairing=tree.county, year=2022, locked_by=east_office)

    outcome = push(shop, east_office, kiwi(shop, "L1"), kiwi(shop, "L2", day=date(2023, 1, 5)))

    assert [r.status for r in outcome.results] == ["rejected", "created"]
    assert outcome.errors[0].field == "sold_on"


def test_sales_to_eastern_bodies_count_as_purchased_and_the_rest_as_helped(shop, east_office):
    push(
        shop,
        east_office,
        kiwi(shop, "U1", buyer_id=shop.union.pk),
        kiwi(shop, "P1", buyer_id=shop.public.pk, amount=300, quantity=5),
        kiwi(shop, "N1", amount=120, quantity=2),
    )

    by_mode = {r["key"]: r["counted"] for r in selectors.sales_by(
        selectors.months_for_user(east_office), "mode"
    )}  # fmt: skip

    assert by_mode == {"purchased": Decimal(600), "helped": Decimal(420)}


def test_the_indicators_read_certified_sales_only(shop, tree, east_office):
    from shanhai.indicators.models import Indicator
    from shanhai.indicators.selectors import progress

    push(
        shop,
        east_office,
        kiwi(shop, "U1", buyer_id=shop.union.pk, amount=30000, quantity=500),
        kiwi(shop, "N1", amount=12000, quantity=200),
        SaleInput("H1", date(2022, 9, 1), shop.honey.pk, Decimal(2), Decimal(160)),
    )
    assert Indicator.objects.filter(code="E1").exists()

    values = {v.indicator.code: v.actual for v in progress(east_office, tree.county, 2022).values}

    assert values["E1"] == 3  # 万元, purchased by the union
    assert values["E2"] == Decimal("1.2")  # 万元, helped to sell
    assert values["E5"] == 1  # the kiwifruit certificate, valid from 2022
    assert values["E6"] == 0  # the supplier registered in 2021
