"""Sale lines, their flags and the monthly sums carry the root of the pairing credited, on every
path that writes them; an order id is still one sale per channel in every root."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shanhai.consumption import services
from shanhai.consumption.models import Certification, SaleFlag, SaleLine, SalesMonth
from shanhai.consumption.services import SaleInput
from shanhai.places.models import Pairing
from shanhai.places.tests.factories import PairingFactory
from shanhai.places.tests.roots import misrooted

pytestmark = pytest.mark.django_db


def sale(shop, order_id, *, product=None, day=date(2022, 9, 1), pairing=None):
    return SaleInput(
        order_id,
        day,
        (product or shop.kiwi).pk,
        Decimal(2),
        Decimal(120),
        pairing_id=pairing.pk if pairing else None,
        buyer_id=shop.union.pk,
    )


def push(shop, *sales, channel=None):
    return services.ingest_sales(
        channel=channel or shop.channel, sales=list(sales), entry_method="api"
    )


def roots(model, **lookups):
    return set(model.objects.filter(**lookups).values_list("root", flat=True))


def test_a_town_pairings_lines_flags_and_month_sums_carry_its_county(tree, shop):
    push(shop, sale(shop, "K1"), sale(shop, "H1", product=shop.honey))

    assert roots(SaleLine, pairing=tree.town) == {tree.county.pk}
    assert roots(SaleFlag, line__pairing=tree.town) == {tree.county.pk}
    assert roots(SalesMonth, pairing=tree.town) == {tree.county.pk}
    assert SaleFlag.objects.filter(line__order_id="H1", kind=SaleFlag.Kind.UNCERTIFIED).exists()
    assert misrooted() == {}


def test_a_province_pairings_lines_carry_the_province_itself(tree, shop):
    province = PairingFactory.create(code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE)

    push(shop, sale(shop, "K1", pairing=province))

    assert roots(SaleLine, pairing=province) == {province.pk}
    assert roots(SaleFlag, line__pairing=province) == {province.pk}  # "wrong pairing"
    assert roots(SalesMonth, pairing=province) == {province.pk}
    assert misrooted() == {}


def test_lines_flagged_when_a_certificate_stops_covering_them_get_flags_with_their_root(tree, shop):
    push(shop, sale(shop, "K1"))
    Certification.objects.filter(product=shop.kiwi).update(valid_to=date(2022, 8, 31))

    assert services.recount_product(shop.kiwi) == 1

    flag = SaleFlag.objects.get(line__order_id="K1", kind=SaleFlag.Kind.UNCERTIFIED)
    assert flag.root_id == tree.county.pk
    assert misrooted() == {}


def test_month_sums_rebuilt_from_the_lines_carry_their_root(tree, shop):
    push(shop, sale(shop, "K1"), sale(shop, "K2", pairing=tree.elsewhere))

    services.rebuild_sales_months()

    assert roots(SalesMonth, pairing=tree.town) == {tree.county.pk}
    assert roots(SalesMonth, pairing=tree.elsewhere) == {tree.elsewhere.pk}
    assert misrooted() == {}


def test_an_order_id_sent_again_for_a_pairing_in_another_root_is_still_one_sale(tree, shop):
    push(shop, sale(shop, "K1"))

    outcome = push(shop, sale(shop, "K1", pairing=tree.elsewhere))

    assert outcome.created == 0
    assert [result.status for result in outcome.results] == ["rejected"]
    assert SaleLine.objects.filter(order_id="K1").count() == 1
    assert roots(SaleLine, order_id="K1") == {tree.county.pk}
