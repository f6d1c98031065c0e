import pytest

from shanhai.accounts.models import Side
from shanhai.places.models import Place, PlaceAlias
from shanhai.places.selectors import match_places, resolve_place
from shanhai.places.services import register_place

pytestmark = pytest.mark.django_db

FORMER, VARIANT = PlaceAlias.Kind.FORMER, PlaceAlias.Kind.VARIANT


@pytest.fixture
def places() -> dict[str, Place]:
    yunnan = register_place(name="云南省", level=Place.Level.PROVINCE, side=Side.WEST)
    zhaotong = register_place(name="昭通市", level=Place.Level.CITY, parent=yunnan)
    weixin = register_place(name="威信县", level=Place.Level.COUNTY, parent=zhaotong)
    town = Place.Level.TOWN
    linfeng = register_place(
        name="麟凤镇",
        level=town,
        parent=weixin,
        aliases=[("麟凤乡", FORMER, None), ("林凤", VARIANT, None)],
    )
    luobu = register_place(
        name="罗布镇", level=town, parent=weixin, aliases=[("罗布乡", FORMER, None)]
    )
    shuanghe = register_place(name="双河苗族彝族乡", level=town, parent=weixin)
    return {
        "云南省": yunnan,
        "威信县": weixin,
        "麟凤镇": linfeng,
        "罗布镇": luobu,
        "双河苗族彝族乡": shuanghe,
    }


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("麟凤镇", "麟凤镇"),
        ("罗布乡", "罗布镇"),
        ("林凤", "麟凤镇"),
        ("麟凤", "麟凤镇"),
        ("双河", "双河苗族彝族乡"),
        ("威信县", "威信县"),
    ],
)
def test_a_name_alias_or_short_name_resolves_to_its_place(places, text, meant):
    assert resolve_place(text) == places[meant]


def test_a_former_name_without_its_suffix_still_finds_the_place(places):
    assert resolve_place("罗布") == places["罗布镇"]


def test_a_name_written_after_its_county_resolves_to_the_town(places):
    assert resolve_place("威信县麟凤镇") == places["麟凤镇"]


def test_a_short_county_name_before_a_short_town_name_resolves_to_the_town(places):
    assert resolve_place("威信麟凤") == places["麟凤镇"]


def test_a_county_written_with_its_province_and_city_resolves_to_the_county(places):
    assert resolve_place("云南省昭通市威信县") == places["威信县"]


def test_a_town_written_with_all_its_parents_resolves_to_the_town(places):
    assert resolve_place("云南省昭通市威信县麟凤镇") == places["麟凤镇"]


@pytest.mark.parametrize("text", ["麟 凤 镇", " 麟凤镇\t", "麟\u3000凤\u3000镇", "威信县 麟凤镇"])
def test_spaces_and_full_width_spaces_are_ignored(places, text):
    assert resolve_place(text) == places["麟凤镇"]


def test_a_name_is_not_found_under_a_parent_that_does_not_contain_it(places):
    register_place(name="松江区", level=Place.Level.COUNTY, side=Side.EAST)

    assert match_places("松江区麟凤镇") == []


@pytest.mark.parametrize("text", ["扎西镇", "不存在的地方", "", "   "])
def test_an_unknown_name_matches_nothing(places, text):
    assert match_places(text) == []
    assert resolve_place(text) is None


def test_a_name_shared_by_two_villages_matches_both(places):
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["麟凤镇"])
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["罗布镇"])

    assert len(match_places("金鸡村")) == 2


def test_a_name_shared_by_two_villages_resolves_to_neither(places):
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["麟凤镇"])
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["罗布镇"])

    assert resolve_place("金鸡村") is None


def test_naming_the_town_tells_two_villages_of_the_same_name_apart(places):
    jinji = register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["麟凤镇"])
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["罗布镇"])

    assert resolve_place("麟凤镇金鸡村") == jinji


def test_a_former_town_name_also_tells_two_villages_apart(places):
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["麟凤镇"])
    jinji = register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=places["罗布镇"])

    assert resolve_place("罗布乡金鸡村") == jinji


def test_the_most_specific_reading_comes_first(places):
    # 威信 is both a county (威信县) and, here, a village under 麟凤镇 (威信村).
    village = register_place(name="威信村", level=Place.Level.VILLAGE, parent=places["麟凤镇"])

    assert match_places("威信") == [village, places["威信县"]]


def test_a_long_repetitive_query_is_read_in_bounded_work(places, django_assert_max_num_queries):
    # Every "威信" is a place's short name, inviting a reading at each split point.
    with django_assert_max_num_queries(200):
        assert match_places("威信" * 50) == []
