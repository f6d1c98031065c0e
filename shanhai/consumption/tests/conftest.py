"""A Weixin kiwifruit supplier with a certified product, a Songjiang channel and buyers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shanhai.accounts.models import Side, User
from shanhai.consumption import services
from shanhai.consumption.models import Buyer, Certification, Channel, Product, Supplier
from shanhai.ledger.tests.conftest import (  # noqa: F401 (fixtures are found by name)
    east_office,
    media_root,
    outsider,
    tree,
    west_office,
)
from shanhai.places.models import Place
from shanhai.places.tests.factories import PlaceFactory

ALL_CRITERIA = list(Certification.CRITERIA)


def certify(
    product: Product,
    by: User,
    *,
    valid_from: date = date(2022, 1, 1),
    valid_to: date = date(2024, 12, 31),
    number: str = "",
) -> Certification:
    """Take *product* through every step to a certificate valid from/to."""
    cert = services.apply_for_certification(
        product=product, applied_by=by, applied_on=date(2021, 10, 1), criteria=ALL_CRITERIA
    )
    for step in ("reviewed", "rechecked"):
        cert = services.advance_certification(
            certification=cert, step=step, by=by, on=date(2021, 10, 10)
        )
    cert = services.advance_certification(
        certification=cert,
        step="publicised",
        by=by,
        on=date(2021, 11, 1),
        publicity_to=date(2021, 11, 7),
    )
    return services.advance_certification(
        certification=cert,
        step="certified",
        by=by,
        on=date(2021, 11, 10),
        certificate_number=number or f"WX-{product.pk:04d}",
        valid_from=valid_from,
        valid_to=valid_to,
    )


@dataclass
class Shop:
    village: Place
    supplier: Supplier
    kiwi: Product  # certified 2022–2024
    honey: Product  # never certified
    channel: Channel  # 森鲜馆, run by Songjiang
    expo: Channel
    union: Buyer  # an eastern trade union: its purchases count as "purchased"
    public: Buyer


@pytest.fixture
def shop(tree: Any, east_office: User, west_office: User) -> Shop:  # noqa: F811
    village = PlaceFactory.create(name="金鸡村", parent=tree.west_town)
    supplier = services.register_supplier(
        pairing=tree.town,
        recorded_by=west_office,
        name="威信县金鸡猕猴桃种植专业合作社",
        kind=Supplier.Kind.COOPERATIVE,
        place=village,
        registered_on=date(2021, 5, 1),
    )
    kiwi = services.register_product(
        supplier=supplier,
        recorded_by=west_office,
        name="红心猕猴桃",
        category="fruit",
        spec="5斤装",
        unit="箱",
        unit_kg=Decimal("2.5"),
        reference_price=Decimal("60"),
        season_months=[9, 10, 11],
        capacity_quantity=Decimal("1000"),
        capacity_amount=Decimal("600000"),
        trace_code="WX-KIWI-001",
    )
    honey = services.register_product(
        supplier=supplier,
        recorded_by=west_office,
        name="土蜂蜜",
        category="processed",
        unit="斤",
        reference_price=Decimal("80"),
        capacity_quantity=Decimal("500"),
        capacity_amount=Decimal("40000"),
    )
    certify(kiwi, west_office)
    channel = services.register_channel(
        pairing=tree.county, recorded_by=east_office, name="森鲜馆", kind=Channel.Kind.PLATFORM
    )
    expo = services.register_channel(
        pairing=tree.county, recorded_by=east_office, name="进博会展区", kind=Channel.Kind.EXPO
    )
    union = services.register_buyer(
        recorded_by=east_office,
        pairing=tree.county,
        name="松江区总工会",
        kind=Buyer.Kind.UNION,
        side=Side.EAST,
    )
    public = services.register_buyer(
        recorded_by=east_office,
        pairing=tree.county,
        name="个人消费者",
        kind=Buyer.Kind.PUBLIC,
        side=Side.EAST,
    )
    return Shop(village, supplier, kiwi, honey, channel, expo, union, public)
