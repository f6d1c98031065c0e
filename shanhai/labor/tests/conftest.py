"""The ledger's pairing tree and people, plus places of work east and west."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from shanhai.accounts.models import Side
from shanhai.ledger.tests.conftest import (  # noqa: F401 (fixtures are found by name)
    east_office,
    media_root,
    outsider,
    tree,
    west_office,
)
from shanhai.places.models import Place
from shanhai.places.tests.factories import PlaceFactory


@dataclass
class WorkPlaces:
    shanghai: Place  # 上海市松江区 (code 31…)
    suzhou: Place  # another eastern province
    kunming: Place  # in Yunnan, outside the county
    county_town: Place  # in the worker's own county


@pytest.fixture
def work_places(tree: Any) -> WorkPlaces:  # noqa: F811 (the fixture, by name)
    shanghai = PlaceFactory.create(
        name="上海市", level=Place.Level.PROVINCE, side=Side.EAST, code="310000000000"
    )
    jiangsu = PlaceFactory.create(
        name="江苏省", level=Place.Level.PROVINCE, side=Side.EAST, code="320000000000"
    )
    yunnan = PlaceFactory.create(
        name="云南省", level=Place.Level.PROVINCE, side=Side.WEST, code="530000000000"
    )
    songjiang = PlaceFactory.create(
        name="松江区（上海）", level=Place.Level.COUNTY, parent=shanghai, code="310117000000"
    )
    # Division codes say which province and county a place is in, where the tree does not.
    Place.objects.filter(pk=tree.west_county.pk).update(code="530629000000")
    Place.objects.filter(pk=tree.west_town.pk).update(code="530629104000")
    tree.west_county.refresh_from_db()
    tree.west_town.refresh_from_db()
    return WorkPlaces(
        shanghai=songjiang,
        suzhou=PlaceFactory.create(name="苏州市", level=Place.Level.CITY, parent=jiangsu),
        kunming=PlaceFactory.create(
            name="昆明市", level=Place.Level.CITY, parent=yunnan, code="530100000000"
        ),
        county_town=tree.west_town,
    )
