"""The Songjiang–Weixin demo: loaded by `shanhai demo`, safe to load again."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Model

from shanhai.accounts.models import User
from shanhai.core.models import AuditEvent, DatePrecision, Source
from shanhai.places.models import Organisation, Pairing, Place, PlaceAlias, RoleGrant
from shanhai.places.selectors import pairings_for_user

pytestmark = pytest.mark.django_db

COUNTY_PAIRINGS = {
    "songjiang-weixin",
    "songjiang-zhaoyang",
    "songjiang-zhenxiong",
    "songjiang-yiliang",
}


def load_demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models: list[type[Model]] = [Source, Place, PlaceAlias, Organisation, Pairing, User, RoleGrant]
    return {model.__name__: model._default_manager.count() for model in models}


@pytest.fixture
def demo():
    load_demo()


def test_loading_the_demo_twice_adds_nothing_the_second_time():
    load_demo()
    first = counts()

    load_demo()

    assert counts() == first


def test_loading_the_demo_again_records_no_change_to_places_organisations_or_pairings():
    load_demo()
    events = AuditEvent.objects.filter(action__startswith="places.").count()

    load_demo()

    assert AuditEvent.objects.filter(action__startswith="places.").count() == events


def test_loading_the_demo_again_leaves_the_pairing_tree_where_it_was():
    load_demo()
    paths = dict(Pairing.objects.values_list("code", "path"))

    load_demo()

    assert dict(Pairing.objects.values_list("code", "path")) == paths


def test_the_command_prints_the_accounts_to_log_in_with():
    output = load_demo()

    assert "shanhai-demo-2023" in output
    assert "weixin" in output


@pytest.mark.usefixtures("demo")
def test_the_demo_has_the_two_provinces_and_those_workers_go_to():
    provinces = Place.objects.filter(level=Place.Level.PROVINCE)

    assert {(p.name, p.side) for p in provinces} == {
        ("上海市", "east"),
        ("云南省", "west"),
        ("江苏省", "east"),  # the labor demo's workers who went elsewhere in the east
        ("浙江省", "east"),
        ("贵州省", "west"),
    }


@pytest.mark.usefixtures("demo")
def test_the_demo_has_the_four_zhaotong_counties():
    counties = Place.objects.filter(parent__name="昭通市", level=Place.Level.COUNTY)

    assert set(counties.values_list("name", flat=True)) == {"昭阳区", "镇雄县", "彝良县", "威信县"}


@pytest.mark.usefixtures("demo")
def test_the_demo_has_the_seventeen_songjiang_streets_and_towns():
    assert Place.objects.filter(parent__name="松江区", level=Place.Level.TOWN).count() == 17


@pytest.mark.usefixtures("demo")
def test_the_demo_has_the_ten_weixin_townships_with_their_division_codes():
    townships = Place.objects.filter(parent__name="威信县", level=Place.Level.TOWN)

    assert townships.count() == 10
    assert townships.filter(code__startswith="530629").count() == 10


@pytest.mark.usefixtures("demo")
def test_linfeng_is_also_known_by_its_former_and_variant_names():
    aliases = PlaceAlias.objects.filter(place__name="麟凤镇").values_list("name", flat=True)

    assert set(aliases) == {"林凤", "林凤乡"}


@pytest.mark.usefixtures("demo")
def test_songjiang_weixin_has_exactly_nine_town_pairings():
    towns = Pairing.objects.filter(parent__code="songjiang-weixin", kind=Pairing.Kind.TOWN)

    assert towns.count() == 9


@pytest.mark.usefixtures("demo")
def test_the_nine_town_pairings_are_all_flagged_illustrative():
    towns = Pairing.objects.filter(parent__code="songjiang-weixin", kind=Pairing.Kind.TOWN)

    assert set(towns.values_list("is_illustrative", flat=True)) == {True}


@pytest.mark.usefixtures("demo")
def test_the_town_pairings_join_songjiang_towns_to_weixin_townships():
    towns = Pairing.objects.filter(parent__code="songjiang-weixin", kind=Pairing.Kind.TOWN)

    assert set(towns.values_list("east_place__parent__name", flat=True)) == {"松江区"}
    assert set(towns.values_list("west_place__parent__name", flat=True)) == {"威信县"}


@pytest.mark.usefixtures("demo")
def test_baixing_jinji_started_in_july_2022_as_the_article_states():
    pairing = Pairing.objects.get(code="baixing-jinji")

    assert pairing.started_on == date(2022, 7, 1)
    assert pairing.started_on_precision == DatePrecision.MONTH
    assert not pairing.is_illustrative


@pytest.mark.usefixtures("demo")
def test_baixing_jinji_joins_the_ngo_to_the_village_committee():
    pairing = Pairing.objects.get(code="baixing-jinji")

    assert str(pairing) == "百姓义工 ↔ 金鸡村委会"
    assert pairing.west_place.full_name == "云南省昭通市威信县麟凤镇金鸡村"


@pytest.mark.usefixtures("demo")
def test_every_pairing_cites_a_source_and_what_it_says():
    for pairing in Pairing.objects.select_related("source"):
        assert pairing.source.title, pairing.code
        assert pairing.source_note, pairing.code


@pytest.mark.usefixtures("demo")
def test_no_fact_presented_as_real_cites_the_illustrative_source():
    assert not Pairing.objects.filter(
        source__kind=Source.Kind.ILLUSTRATIVE, is_illustrative=False
    ).exists()
    assert not Organisation.objects.filter(
        source__kind=Source.Kind.ILLUSTRATIVE, is_illustrative=False
    ).exists()


@pytest.mark.usefixtures("demo")
def test_the_weixin_account_sees_songjiang_weixin():
    weixin = User.objects.get(username="weixin")

    assert pairings_for_user(weixin).filter(code="songjiang-weixin").exists()


@pytest.mark.usefixtures("demo")
def test_the_weixin_account_does_not_see_songjiang_zhaoyang():
    weixin = User.objects.get(username="weixin")

    assert not pairings_for_user(weixin).filter(code="songjiang-zhaoyang").exists()


@pytest.mark.usefixtures("demo")
def test_the_songjiang_account_sees_all_four_county_pairings():
    songjiang = User.objects.get(username="songjiang")
    visible = pairings_for_user(songjiang).filter(kind=Pairing.Kind.COUNTY)

    assert set(visible.values_list("code", flat=True)) == COUNTY_PAIRINGS


@pytest.mark.usefixtures("demo")
def test_the_xinbang_liaison_sees_only_their_town_pairing():
    xinbang = User.objects.get(username="xinbang")

    assert list(pairings_for_user(xinbang).values_list("code", flat=True)) == ["xinbang-linfeng"]


@pytest.mark.usefixtures("demo")
def test_demo_accounts_sign_in_with_the_printed_password():
    assert User.objects.get(username="weixin").check_password("shanhai-demo-2023")
