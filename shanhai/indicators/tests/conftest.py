"""A province pairing with two county pairings, two town pairings, and the people in them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shanhai.accounts.models import Role, Side, User
from shanhai.accounts.tests.factories import UserFactory
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
    """shanghai-yunnan › songjiang-weixin › (xinbang-linfeng, sheshan-shuanghe),
    shanghai-yunnan › jinshan-zhenxiong, and an unrelated pairing elsewhere."""

    province: Pairing
    county: Pairing
    town: Pairing
    other_town: Pairing
    other_county: Pairing
    elsewhere: Pairing


@pytest.fixture
def tree() -> Tree:
    shanghai = PlaceFactory.create(name="上海市", level=Place.Level.PROVINCE, side=Side.EAST)
    yunnan = PlaceFactory.create(name="云南省", level=Place.Level.PROVINCE, side=Side.WEST)
    songjiang = PlaceFactory.create(name="松江区", level=Place.Level.COUNTY, parent=shanghai)
    weixin = PlaceFactory.create(name="威信县", level=Place.Level.COUNTY, parent=yunnan)
    jinshan = PlaceFactory.create(name="金山区", level=Place.Level.COUNTY, parent=shanghai)
    zhenxiong = PlaceFactory.create(name="镇雄县", level=Place.Level.COUNTY, parent=yunnan)
    province = PairingFactory.create(
        code="shanghai-yunnan", kind=Pairing.Kind.PROVINCE, east_place=shanghai, west_place=yunnan
    )
    county = PairingFactory.create(
        code="songjiang-weixin", parent=province, east_place=songjiang, west_place=weixin
    )
    town = PairingFactory.create(
        code="xinbang-linfeng",
        kind=Pairing.Kind.TOWN,
        parent=county,
        east_place=PlaceFactory.create(name="新浜镇", parent=songjiang),
        west_place=PlaceFactory.create(name="麟凤镇", parent=weixin),
    )
    other_town = PairingFactory.create(
        code="sheshan-shuanghe",
        kind=Pairing.Kind.TOWN,
        parent=county,
        east_place=PlaceFactory.create(name="佘山镇", parent=songjiang),
        west_place=PlaceFactory.create(name="双河乡", parent=weixin),
    )
    other_county = PairingFactory.create(
        code="jinshan-zhenxiong", parent=province, east_place=jinshan, west_place=zhenxiong
    )
    return Tree(
        province=province,
        county=county,
        town=town,
        other_town=other_town,
        other_county=other_county,
        elsewhere=PairingFactory.create(code="elsewhere"),
    )


@pytest.fixture
def east_office(tree: Tree) -> User:
    """松江区 cooperation office: records and sets targets for the east."""
    return person(tree.county, Role.COOPERATION_OFFICE, Side.EAST, display_name="松江协作办")


@pytest.fixture
def west_office(tree: Tree) -> User:
    """威信县 cooperation office: the paired side."""
    return person(tree.county, Role.COOPERATION_OFFICE, Side.WEST, display_name="威信协作办")


@pytest.fixture
def west_liaison(tree: Tree) -> User:
    """A west department liaison: may confirm, may not plan."""
    return person(tree.county, Role.DEPARTMENT_LIAISON, Side.WEST, display_name="威信联络员")


@pytest.fixture
def viewer(tree: Tree) -> User:
    return person(tree.county, Role.VIEWER, Side.WEST, display_name="威信观察员")


@pytest.fixture
def town_liaison(tree: Tree) -> User:
    """Someone who works only in the 新浜–麟凤 town pairing."""
    return person(tree.town, Role.TOWN_LIAISON, Side.EAST, display_name="新浜联络员")


@pytest.fixture
def administrator(tree: Tree) -> User:
    """An administrator of the whole province pairing, on neither side."""
    return person(tree.province, Role.ADMINISTRATOR, "", display_name="省协作管理员")


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory.create(is_superuser=True, is_staff=True, display_name="系统管理员")


@pytest.fixture
def outsider(tree: Tree) -> User:
    """Someone who works only in another pairing."""
    return person(tree.elsewhere, Role.COOPERATION_OFFICE, Side.WEST, display_name="别处联络员")
