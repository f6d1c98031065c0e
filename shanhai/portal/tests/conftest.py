"""松江–威信 with a town pairing below it, a year of ledger records, articles and the offices."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from shanhai.accounts.models import User
from shanhai.core.models import Source
from shanhai.indicators.catalogue import SHIPPED, load_catalogue, read_catalogue_file
from shanhai.indicators.models import AnnualTarget, Indicator, Regime
from shanhai.indicators.selectors import regime_for_year
from shanhai.indicators.tests.conftest import (  # noqa: F401 (fixtures are found by name)
    Tree,
    east_office,
    media_root,
    outsider,
    town_liaison,
    tree,
    viewer,
    west_liaison,
    west_office,
)
from shanhai.indicators.tests.factories import FundAllocationFactory
from shanhai.ledger.models import Direction, Level
from shanhai.ledger.tests.factories import TrainingFactory, VisitFactory
from shanhai.news.models import Article
from shanhai.places.models import Pairing
from shanhai.portal import services

_serial = count(1)


def make_article(
    pairing: Pairing,
    added_by: User,
    *,
    public: bool = False,
    title: str = "东西部协作强对接 筑牢“山海盟”",
    published_on: date | None = date(2023, 8, 20),
    outlet: str = "威信县融媒体中心",
    author: str = "铁璘琪",
    text: str = "2021年，松江区与威信县正式建立东西部协作关系。\n\n三年间，两地互访频繁。",
) -> Article:
    """An article as the news app stores it, published on the portal if *public*."""
    n = next(_serial)
    source = Source.objects.create(kind=Source.Kind.NEWS, key=f"portal-news-{n}", title=title)
    return Article.objects.create(
        source=source,
        pairing=pairing,
        digest=hashlib.sha256(f"{n}{title}".encode()).hexdigest(),
        title=title,
        published_on=published_on,
        outlet=outlet,
        author=author,
        text=text,
        is_public=public,
        added_by=added_by,
    )


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(regime__code="2021", code=code)


@pytest.fixture
def regime(db: None) -> Regime:
    """The shipped 2021–2025 regime; loaded again where a browser test's flush removed what the
    migration put in."""
    if regime_for_year(2023) is None:
        load_catalogue(data=read_catalogue_file(SHIPPED / "2021.json"))
    found = regime_for_year(2023)
    assert found is not None
    return found


@pytest.fixture
def ledger(tree: Tree, east_office: User, west_office: User, regime: Regime) -> None:  # noqa: F811
    """2022 and 2023 in 松江–威信 and its 新浜–麟凤 town pairing, and a 2023 target."""
    FundAllocationFactory.create(
        pairing=tree.county, recorded_by=east_office, amount=Decimal(5_600_000),
        occurred_on=date(2023, 2, 15),
    )  # fmt: skip
    FundAllocationFactory.create(
        pairing=tree.county, recorded_by=east_office, amount=Decimal(3_000_000),
        occurred_on=date(2022, 3, 1),
    )  # fmt: skip
    VisitFactory.create(
        pairing=tree.town, recorded_by=west_office, direction=Direction.WEST_TO_EAST,
        level=Level.PRINCIPAL, occurred_on=date(2023, 8, 3),
    )  # fmt: skip
    VisitFactory.create(
        pairing=tree.county, recorded_by=east_office, direction=Direction.EAST_TO_WEST,
        level=Level.PRINCIPAL, occurred_on=date(2023, 3, 10),
    )  # fmt: skip
    TrainingFactory.create(
        pairing=tree.county, recorded_by=east_office, occurred_on=date(2023, 5, 6),
        sessions=2, person_times=120,
    )  # fmt: skip
    AnnualTarget.objects.create(
        pairing=tree.county, year=2023, indicator=indicator("B1"), value=Decimal(5000),
        set_by=east_office,
    )  # fmt: skip


@pytest.fixture
def published(tree: Tree, east_office: User, regime: Regime) -> None:  # noqa: F811
    """The county office publishes fiscal aid (B1), the west's leaders' visits (A2) and
    trainings (C12); the east's visits (A1) stay unpublished."""
    services.set_public_figures(
        user=east_office,
        pairing=tree.county,
        regime=regime,
        indicators=[indicator("B1"), indicator("A2"), indicator("C12")],
    )
