"""A tiny synthetic database holds what its scale plans, dirty data included, consistently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from shanhai.accounts.models import User
from shanhai.consumption.models import COUNTED_LINES, SaleFlag, SaleLine
from shanhai.facts.selectors import rollup_differences, total
from shanhai.labor.models import Worker
from shanhai.places.models import Pairing
from shanhai.synth import report

pytestmark = pytest.mark.django_db


def test_every_table_holds_the_rows_the_scale_planned(tiny):
    found = report.found(tiny)

    for row in report.planned(tiny):
        if row.exact:
            assert found[row.table] == row.count, row.table
        else:
            assert found[row.table] == pytest.approx(row.count, rel=0.5), row.table


def test_the_rollups_and_the_monthly_sales_sums_equal_a_recount(tiny):
    assert rollup_differences() == []
    assert report.sales_months_agree()


def test_lines_of_uncertified_products_are_flagged_and_never_counted(tiny):
    planned = sum(unit.uncertified for unit in tiny.sales)
    uncertified = SaleLine.objects.filter(is_certified=False)

    assert planned > 0
    assert uncertified.count() == planned
    assert not uncertified.filter(COUNTED_LINES).exists()
    flagged = SaleFlag.objects.filter(kind=SaleFlag.Kind.UNCERTIFIED, status="open")
    assert set(flagged.values_list("line_id", flat=True)) == set(
        uncertified.values_list("pk", flat=True)
    )


def test_a_sale_reported_again_by_a_second_channel_is_held_as_a_duplicate(tiny):
    held = SaleLine.objects.filter(is_held=True).select_related("buyer")

    assert held.count() == sum(unit.copies for unit in tiny.sales) > 0
    for line in held:
        flag = SaleFlag.objects.get(line=line, kind=SaleFlag.Kind.DUPLICATE)
        original = flag.other_line
        assert original is not None
        assert original.channel_id != line.channel_id
        assert (original.product_id, original.sold_on, original.amount, original.buyer_id) == (
            line.product_id,
            line.sold_on,
            line.amount,
            line.buyer_id,
        )
        assert not original.is_held


def test_the_indicators_count_the_certified_unique_sales_only(tiny):
    pairings = list(Pairing.objects.filter(code__startswith=tiny.tag).values_list("pk", flat=True))
    counted = SaleLine.objects.filter(COUNTED_LINES).aggregate(amount=Sum("amount"))["amount"]
    everything = SaleLine.objects.aggregate(amount=Sum("amount"))["amount"]

    _lines, amount = total(pairings, "consumption.sales", date(2023, 1, 1), date(2024, 12, 31))
    assert amount == counted < everything


def test_sales_follow_the_seasons_of_their_products(tiny):
    def share(category: str, months: list[int]) -> Decimal:
        lines = SaleLine.objects.filter(product__category=category)
        return Decimal(lines.filter(sold_on__month__in=months).count()) / lines.count()

    assert share("fruit", [9, 10, 11]) > Decimal("0.5")  # kiwifruit: September to November
    assert share("tea", [3, 4, 5]) > Decimal("0.5")  # spring tea: March to May


def test_workers_carry_their_id_numbers_only_encrypted_hashed_and_masked(tiny):
    worker = Worker.objects.filter(source__key=tiny.tag).first()

    assert worker is not None
    assert worker.id_number_encrypted
    assert worker.id_number_hash
    assert "*" in worker.id_number_masked


def test_the_dashboard_of_the_synthetic_county_pairing_renders(tiny):
    client = Client()
    client.force_login(User.objects.get(username=f"{tiny.tag}-1-east"))
    county = tiny.world.counties[0].pairing

    page = client.get(reverse("indicators:progress", args=[county]), {"year": 2024})

    assert page.status_code == 200
    assert county.encode() in page.content
