"""The Songjiang–Weixin places and pairings an article names, and the people who review it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shanhai.accounts.models import Role, Side, User
from shanhai.ledger.tests.factories import person
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.tests.factories import OrganisationFactory, PairingFactory, PlaceFactory

SEED = Path(__file__).resolve().parents[2] / "demo" / "data" / "songjiang-weixin-2023.txt"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@dataclass
class Spine:
    """上海市 › 松江区 › 新浜镇 ↔ 云南省 › 昭通市 › 威信县 › 麟凤镇 › 金鸡村, and elsewhere."""

    county: Pairing  # songjiang-weixin
    town: Pairing  # xinbang-linfeng, below it
    social: Pairing  # 百姓义工 ↔ 金鸡村, below it
    elsewhere: Pairing
    songjiang: Place
    weixin: Place


@pytest.fixture
def spine() -> Spine:
    shanghai = PlaceFactory.create(name="上海市", level=Place.Level.PROVINCE, side=Side.EAST)
    songjiang = PlaceFactory.create(name="松江区", level=Place.Level.COUNTY, parent=shanghai)
    xinbang = PlaceFactory.create(name="新浜镇", parent=songjiang)
    yunnan = PlaceFactory.create(name="云南省", level=Place.Level.PROVINCE, side=Side.WEST)
    zhaotong = PlaceFactory.create(name="昭通市", level=Place.Level.CITY, parent=yunnan)
    weixin = PlaceFactory.create(name="威信县", level=Place.Level.COUNTY, parent=zhaotong)
    linfeng = PlaceFactory.create(name="麟凤镇", parent=weixin)
    jinji = PlaceFactory.create(name="金鸡村", level=Place.Level.VILLAGE, parent=linfeng)
    county = PairingFactory.create(code="songjiang-weixin", east_place=songjiang, west_place=weixin)
    baixing = OrganisationFactory.create(
        name="上海市松江区百姓义工公益发展中心",
        short_name="百姓义工",
        kind=Organisation.Kind.NGO,
        place=songjiang,
    )
    committee = OrganisationFactory.create(
        name="金鸡村村民委员会", kind=Organisation.Kind.VILLAGE_COMMITTEE, place=jinji
    )
    return Spine(
        county=county,
        town=PairingFactory.create(
            code="xinbang-linfeng",
            kind=Pairing.Kind.TOWN,
            parent=county,
            east_place=xinbang,
            west_place=linfeng,
        ),
        social=PairingFactory.create(
            code="baixing-jinji",
            kind=Pairing.Kind.SOCIAL,
            parent=county,
            east_place=songjiang,
            east_organisation=baixing,
            west_place=jinji,
            west_organisation=committee,
        ),
        elsewhere=PairingFactory.create(code="elsewhere"),
        songjiang=songjiang,
        weixin=weixin,
    )


@pytest.fixture
def east_office(spine: Spine) -> User:
    """松江区 cooperation office: imports articles and records for the east."""
    return person(spine.county, Role.COOPERATION_OFFICE, Side.EAST, display_name="松江协作办")


@pytest.fixture
def west_office(spine: Spine) -> User:
    return person(spine.county, Role.COOPERATION_OFFICE, Side.WEST, display_name="威信乡村振兴局")


@pytest.fixture
def viewer(spine: Spine) -> User:
    """Someone who may read the pairing's ledger and news, not write them."""
    return person(spine.county, Role.VIEWER, Side.EAST, display_name="观察员")


@pytest.fixture
def outsider(spine: Spine) -> User:
    """Someone who works only in another pairing."""
    return person(spine.elsewhere, Role.COOPERATION_OFFICE, Side.WEST, display_name="别处联络员")


@pytest.fixture
def seed() -> bytes:
    return SEED.read_bytes()
