"""A livestream or an expo of the ledger, and the sale lines channels linked to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from shanhai.consumption import services
from shanhai.consumption.services import SaleInput
from shanhai.ledger.tests.factories import SalesEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def livestream(shop, tree, east_office):
    event = SalesEventFactory.create(
        pairing=tree.county,
        recorded_by=east_office,
        title="百姓义工知名主播指导麟凤镇群众直播带货",
        occurred_on=date(2022, 8, 22),
    )
    services.ingest_sales(
        channel=shop.channel,
        entry_method="form",
        user=east_office,
        sales=[
            SaleInput("L1", date(2022, 8, 22), shop.kiwi.pk, Decimal(10), Decimal(600),
                      sales_event_id=event.pk),
            SaleInput("L2", date(2022, 8, 22), shop.honey.pk, Decimal(1), Decimal(80),
                      sales_event_id=event.pk),
            SaleInput("X1", date(2022, 8, 23), shop.kiwi.pk, Decimal(1), Decimal(60)),
        ],
    )  # fmt: skip
    return event


def test_the_sales_of_a_livestream_are_listed_with_what_counted(client, east_office, livestream):
    client.force_login(east_office)

    response = client.get(reverse("consumption:sale-list"), {"event": livestream.pk})

    assert response.status_code == 200
    orders = [line.order_id for line in response.context["page"].lines]
    assert sorted(orders) == ["L1", "L2"]
    html = response.content.decode()
    assert "百姓义工知名主播指导麟凤镇群众直播带货" in html
    assert "2 条销售明细" in html
    assert "其中 1 条计入" in html


def test_the_event_page_of_the_ledger_links_to_its_sales(client, east_office, livestream):
    client.force_login(east_office)

    html = client.get(reverse("ledger:record-detail", args=[livestream.pk])).content.decode()

    assert f"{reverse('consumption:sale-list')}?event={livestream.pk}" in html


def test_someone_outside_the_pairing_cannot_see_the_events_sales(client, outsider, livestream):
    client.force_login(outsider)

    response = client.get(reverse("consumption:sale-list"), {"event": livestream.pk})

    assert response.status_code == 404
