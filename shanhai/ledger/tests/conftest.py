"""A small pairing tree and the people who work in it, shared by the ledger's tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shanhai.accounts.models import Role, Side, User
from shanhai.ledger.tests.factories import person
from shanhai.places.models import Pairing, Place
from shanhai.places.tests.factories import PairingFactory, PlaceFactory


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Store uploads under the test's own folder, never in var/."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@dataclass
class Tree:
    """songjiang-weixin › xinbang-linfeng, and an unrelated pairing elsewhere."""

    county: Pairing
    town: Pairing
    elsewhere: Pairing
    east_county: Place
    west_county: Place
    east_town: Place
    west_town: Place


@pytest.fixture
def tree() -> Tree:
    east_county = PlaceFactory.create(name="松江区", level=Place.Level.COUNTY, side=Side.EAST)
    west_county = PlaceFactory.create(name="威信县", level=Place.Level.COUNTY, side=Side.WEST)
    east_town = PlaceFactory.create(name="新浜镇", parent=east_county)
    west_town = PlaceFactory.create(name="麟凤镇", parent=west_county)
    county = PairingFactory.create(
        code="songjiang-weixin", east_place=east_county, west_place=west_county
    )
    town = PairingFactory.create(
        code="xinbang-linfeng",
        kind=Pairing.Kind.TOWN,
        parent=county,
        east_place=east_town,
        west_place=west_town,
    )
    return Tree(
        county=county,
        town=town,
        elsewhere=PairingFactory.create(code="elsewhere"),
        east_county=east_county,
        west_county=west_county,
        east_town=east_town,
        west_town=west_town,
    )


@pytest.fixture
def east_office(tree: Tree) -> User:
    """松江区 cooperation office: records for the east."""
    return person(tree.county, Role.COOPERATION_OFFICE, Side.EAST, display_name="松江协作办")


@pytest.fixture
def west_office(tree: Tree) -> User:
    """威信县 rural revitalisation bureau: confirms what the east records, and records too."""
    return person(tree.county, Role.COOPERATION_OFFICE, Side.WEST, display_name="威信乡村振兴局")


@pytest.fixture
def outsider(tree: Tree) -> User:
    """Someone who works only in another pairing."""
    return person(tree.elsewhere, Role.COOPERATION_OFFICE, Side.WEST, display_name="别处联络员")
