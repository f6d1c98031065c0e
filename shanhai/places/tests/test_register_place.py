import pytest
from django.core.exceptions import ValidationError

from shanhai.accounts.models import Side
from shanhai.accounts.tests.factories import UserFactory
from shanhai.core.models import AuditEvent
from shanhai.places.models import Place, PlaceAlias
from shanhai.places.services import register_place

pytestmark = pytest.mark.django_db

COUNTY, TOWN = Place.Level.COUNTY, Place.Level.TOWN


@pytest.fixture
def weixin():
    yunnan = register_place(name="云南省", level=Place.Level.PROVINCE, side=Side.WEST)
    zhaotong = register_place(name="昭通市", level=Place.Level.CITY, parent=yunnan)
    return register_place(name="威信县", level=COUNTY, parent=zhaotong, code="530629000000")


def test_a_place_inherits_the_side_of_its_parent(weixin):
    linfeng = register_place(name="麟凤镇", level=TOWN, parent=weixin)

    assert linfeng.side == Side.WEST


def test_a_top_level_place_needs_a_side():
    with pytest.raises(ValidationError) as error:
        register_place(name="上海市", level=Place.Level.PROVINCE)

    assert "side" in error.value.message_dict
    assert not Place.objects.exists()


def test_a_place_cannot_sit_on_the_other_side_from_its_parent(weixin):
    with pytest.raises(ValidationError) as error:
        register_place(name="麟凤镇", level=TOWN, parent=weixin, side=Side.EAST)

    assert "side" in error.value.message_dict


def test_the_full_name_is_built_from_the_parents(weixin):
    linfeng = register_place(name="麟凤镇", level=TOWN, parent=weixin)

    assert linfeng.full_name == "云南省昭通市威信县麟凤镇"


def test_the_path_and_depth_place_a_town_under_its_county(weixin):
    linfeng = register_place(name="麟凤镇", level=TOWN, parent=weixin)

    linfeng.refresh_from_db()
    assert linfeng.path.startswith(weixin.path)
    assert linfeng.path != weixin.path
    assert linfeng.depth == 3


def test_registering_the_same_place_again_adds_no_duplicate(weixin):
    first = register_place(name="麟凤镇", level=TOWN, parent=weixin, code="530629104000")

    again = register_place(name="麟凤镇", level=TOWN, parent=weixin, code="530629104000")

    assert again.pk == first.pk
    assert Place.objects.filter(name="麟凤镇").count() == 1


def test_registering_an_unchanged_place_records_no_audit_event(weixin):
    register_place(name="麟凤镇", level=TOWN, parent=weixin)
    events = AuditEvent.objects.count()

    register_place(name="麟凤镇", level=TOWN, parent=weixin)

    assert AuditEvent.objects.count() == events


def test_a_place_without_a_code_is_found_again_by_its_name_under_the_parent(weixin):
    first = register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=weixin)

    again = register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=weixin)

    assert again.pk == first.pk


def test_a_renamed_place_keeps_its_code_and_records_what_changed(weixin):
    place = register_place(name="麟凤乡", level=TOWN, parent=weixin, code="530629104000")

    renamed = register_place(name="麟凤镇", level=TOWN, parent=weixin, code="530629104000")

    assert renamed.pk == place.pk
    assert renamed.full_name == "云南省昭通市威信县麟凤镇"
    event = AuditEvent.objects.filter(action="places.place.updated").get()
    assert event.details == {"changed": ["name", "full_name"]}


def test_creating_a_place_is_audited_with_the_actor(weixin):
    officer = UserFactory.create()

    linfeng = register_place(name="麟凤镇", level=TOWN, parent=weixin, actor=officer)

    event = AuditEvent.objects.get(action="places.place.created", target_id=str(linfeng.pk))
    assert event.actor == officer


@pytest.mark.parametrize("code", ["5306291040", "5306291040001", "53062910400A"])
def test_a_division_code_must_have_twelve_digits(weixin, code):
    with pytest.raises(ValidationError):
        register_place(name="麟凤镇", level=TOWN, parent=weixin, code=code)

    assert not Place.objects.filter(name="麟凤镇").exists()


def test_two_places_of_the_same_name_cannot_share_a_parent(weixin):
    register_place(name="麟凤镇", level=TOWN, parent=weixin, code="530629104000")

    with pytest.raises(ValidationError):
        register_place(name="麟凤镇", level=TOWN, parent=weixin, code="530629199000")


def test_aliases_are_recorded_once_however_often_the_place_is_registered(weixin):
    aliases: list[tuple[str, str, int | None]] = [("罗布乡", PlaceAlias.Kind.FORMER, 2013)]

    register_place(name="罗布镇", level=TOWN, parent=weixin, aliases=aliases)
    luobu = register_place(name="罗布镇", level=TOWN, parent=weixin, aliases=aliases)

    alias = luobu.aliases.get()
    assert (alias.name, alias.kind, alias.until_year) == ("罗布乡", "former", 2013)


def test_renaming_a_town_renames_it_in_the_full_names_of_its_villages(weixin):
    register_place(name="麟凤乡", level=TOWN, parent=weixin, code="530629104000")
    linfeng = Place.objects.get(name="麟凤乡")
    register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=linfeng)

    register_place(name="麟凤镇", level=TOWN, parent=weixin, code="530629104000")

    assert Place.objects.get(name="金鸡村").full_name == "云南省昭通市威信县麟凤镇金鸡村"


def test_moving_a_county_to_another_city_carries_its_towns_along(weixin):
    linfeng = register_place(name="麟凤镇", level=TOWN, parent=weixin)
    jinji = register_place(name="金鸡村", level=Place.Level.VILLAGE, parent=linfeng)
    qujing = register_place(
        name="曲靖市", level=Place.Level.CITY, parent=Place.objects.get(name="云南省")
    )

    moved = register_place(name="威信县", level=COUNTY, parent=qujing, code="530629000000")

    linfeng.refresh_from_db()
    jinji.refresh_from_db()
    assert moved.path.startswith(qujing.path)
    assert linfeng.path.startswith(moved.path)
    assert jinji.path.startswith(linfeng.path)
    assert (linfeng.depth, jinji.depth) == (3, 4)
    assert jinji.full_name == "云南省曲靖市威信县麟凤镇金鸡村"
