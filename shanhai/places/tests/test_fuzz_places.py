"""Whatever a sheet or the search box holds, place matching answers and never fails."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shanhai.accounts.models import Side
from shanhai.core.tests.fuzzing import fuzzed
from shanhai.places.models import Place
from shanhai.places.selectors import match_places, resolve_place, search_places
from shanhai.places.services import register_place

pytestmark = pytest.mark.django_db

PIECES = ["云南省", "昭通市", "威信县", "麟凤镇", "麟凤", "林凤", "金鸡村", "县", "镇", "乡", "村"]
names = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(max_size=60),
    st.text(alphabet="云南省昭通市威信县麟凤镇金鸡村 　%_\\'\"0123456789", max_size=40),
)


@pytest.fixture
def weixin() -> Place:
    yunnan = register_place(name="云南省", level=Place.Level.PROVINCE, side=Side.WEST)
    zhaotong = register_place(name="昭通市", level=Place.Level.CITY, parent=yunnan)
    county = register_place(name="威信县", level=Place.Level.COUNTY, parent=zhaotong)
    town = register_place(name="麟凤镇", level=Place.Level.TOWN, parent=county)
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=town)
    return county


@fuzzed(100)
@given(text=names)
@example(text="云南省昭通市威信县麟凤镇金鸡村")
@example(text="威信县" * 30)
@example(text="%")
@example(text="\x00")
def test_any_name_matches_places_most_specific_first_or_none(weixin, text):
    places = match_places(text)

    assert [p.depth for p in places] == sorted((p.depth for p in places), reverse=True)
    assert resolve_place(text) in ([places[0]] if len(places) == 1 else [None])
    list(search_places(text)[:20])
